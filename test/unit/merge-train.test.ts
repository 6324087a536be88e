import { describe, expect, it } from 'vitest';
import { mergeOrder, planMergeTrain, type TrainPull } from '../../src/github/merge-train.js';
import type { PullState } from '../../src/github/pull-request-watch.js';

const pull = (task_id: string, pr_number: number, state: PullState, extra: Partial<TrainPull> = {}): TrainPull => ({
  task_id,
  parent: '1',
  pr_number,
  state,
  refused: false,
  ...extra,
});

const numbers = (pulls: readonly TrainPull[]) => pulls.map((one) => one.pr_number);

describe('the merge train', () => {
  it("orders a parent's pull requests blockers first, then by number; a blocker outside the list does not reorder", () => {
    const pulls = [pull('4', 10, 'ready'), pull('5', 11, 'ready'), pull('6', 12, 'ready'), pull('7', 13, 'ready')];
    const blockers = new Map([
      ['4', ['6']],
      ['6', ['7']],
      ['5', ['99']],
    ]);
    expect(numbers(mergeOrder(pulls, blockers))).toEqual([11, 13, 12, 10]);
  });

  it('keeps number order through a cycle', () => {
    const blockers = new Map([
      ['4', ['5']],
      ['5', ['4']],
    ]);
    expect(numbers(mergeOrder([pull('5', 11, 'ready'), pull('4', 10, 'ready')], blockers))).toEqual([10, 11]);
  });

  it('merges the first ready pull request of each parent, one per parent per round', () => {
    const steps = planMergeTrain(
      [pull('2', 3, 'ready'), pull('3', 4, 'ready'), pull('8', 9, 'ready', { parent: '7' }), pull('1', 2, 'merged')],
      new Map(),
    );
    expect(steps.map((step) => [step.parent, step.merge?.pr_number ?? null])).toEqual([
      ['1', 3],
      ['7', 9],
    ]);
  });

  it('stops at the first pull request that is not ready: nothing after it merges, even when ready', () => {
    const [step] = planMergeTrain([pull('2', 3, 'ready'), pull('3', 4, 'open')], new Map([['2', ['3']]]));
    expect(step).toMatchObject({ merge: null, stoppedAt: { pr_number: 4 } });
    expect(numbers(step!.order)).toEqual([4, 3]);
    for (const state of ['approved', 'changes_requested', 'conflicting'] as const) {
      expect(planMergeTrain([pull('2', 3, state), pull('3', 4, 'ready')], new Map())[0]).toMatchObject({
        merge: null,
        stoppedAt: { pr_number: 3 },
      });
    }
  });

  it('does not merge again a head GitHub refused, nor a pull request whose blocker has an open pull request of another parent', () => {
    expect(planMergeTrain([pull('2', 3, 'ready', { refused: true }), pull('3', 4, 'ready')], new Map())[0]).toMatchObject({
      merge: null,
      stoppedAt: { pr_number: 3 },
    });
    const elsewhere = planMergeTrain([pull('2', 3, 'ready'), pull('9', 8, 'open', { parent: '5' })], new Map([['2', ['9']]]));
    expect(elsewhere.find((step) => step.parent === '1')).toMatchObject({ merge: null });
    const landed = planMergeTrain([pull('2', 3, 'ready'), pull('9', 8, 'merged', { parent: '5' })], new Map([['2', ['9']]]));
    expect(landed).toEqual([expect.objectContaining({ parent: '1', merge: expect.objectContaining({ pr_number: 3 }) })]);
  });
});
