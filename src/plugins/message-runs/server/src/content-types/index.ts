import messageRun from './message-run/schema';
import messageResult from './message-result/schema';
import sendPacer from './send-pacer/schema';
import deliveryInstance from './delivery-instance/schema';

export default {
  'message-run': { schema: messageRun },
  'message-result': { schema: messageResult },
  'send-pacer': { schema: sendPacer },
  'delivery-instance': { schema: deliveryInstance },
};
