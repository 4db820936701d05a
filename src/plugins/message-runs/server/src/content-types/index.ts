import messageRun from './message-run/schema';
import messageResult from './message-result/schema';
import sendWindow from './send-window/schema';

export default {
  'message-run': { schema: messageRun },
  'message-result': { schema: messageResult },
  'send-window': { schema: sendWindow },
};
