import messageRun from './message-run/schema';
import messageResult from './message-result/schema';
import messageEvent from './message-event/schema';
import suppression from './suppression/schema';
import sendPacer from './send-pacer/schema';
import deliveryInstance from './delivery-instance/schema';
import taskLease from './task-lease/schema';
import idempotencyKey from './idempotency-key/schema';
import runCount from './run-count/schema';

export default {
  'message-run': { schema: messageRun },
  'message-result': { schema: messageResult },
  'message-event': { schema: messageEvent },
  suppression: { schema: suppression },
  'send-pacer': { schema: sendPacer },
  'delivery-instance': { schema: deliveryInstance },
  'task-lease': { schema: taskLease },
  'idempotency-key': { schema: idempotencyKey },
  'run-count': { schema: runCount },
};
