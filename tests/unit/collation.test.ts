import { groupIntoMessages } from '../../src/plugins/message-runs/server/src/domain/collation';

const result = (id: number, runId: number, customerId: number | null) => ({ id, runId, customerId });
const ids = (groups: { id: number }[][]) => groups.map((group) => group.map((member) => member.id));

describe('groupIntoMessages', () => {
  const claimed = [result(1, 10, 100), result(2, 10, 200), result(3, 10, 100), result(4, 20, 100), result(5, 20, 100)];

  it('makes one message per result in a run that does not collate', () => {
    expect(ids(groupIntoMessages(claimed, () => false))).toEqual([[1], [2], [3], [4], [5]]);
  });

  it('makes one message per customer and run in a collated run, in the order of each first result', () => {
    expect(ids(groupIntoMessages(claimed, () => true))).toEqual([[1, 3], [2], [4, 5]]);
  });

  it('collates only the runs whose definition collates, in one batch', () => {
    expect(ids(groupIntoMessages(claimed, (runId) => runId === 20))).toEqual([[1], [2], [3], [4, 5]]);
  });

  it('keeps the results themselves, not copies', () => {
    const [[first]] = groupIntoMessages(claimed, () => true);
    expect(first).toBe(claimed[0]);
  });
});
