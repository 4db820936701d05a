import messageRun from './message-run/schema';
import messageResult from './message-result/schema';

export default {
  'message-run': { schema: messageRun },
  'message-result': { schema: messageResult },
};
