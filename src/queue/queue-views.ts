import { Chalk, type ChalkInstance } from 'chalk';
import { TextTable } from '../core/text-table.js';
import { formatDuration } from '../core/duration.js';
import type { QueueDepth, QueueTask, TaskStatus } from './backend.js';

/** What `list` and `monitor` show, and what `list --json` prints. */
export interface QueueSnapshot {
  readonly backend: 'pueue' | 'embedded';
  readonly generatedAt: string;
  readonly depth: QueueDepth;
  readonly tasks: readonly QueueTask[];
}

const STATUS_COLORS: Record<TaskStatus, (chalk: ChalkInstance) => ChalkInstance> = {
  queued: (c) => c.white,
  claimed: (c) => c.cyan,
  done: (c) => c.green,
  failed: (c) => c.red,
  review: (c) => c.yellow,
};

const STATUS_ORDER: Record<TaskStatus, number> = { claimed: 0, queued: 1, failed: 2, review: 3, done: 4 };

const age = (iso: string, now: Date) => formatDuration(Math.max(0, now.getTime() - Date.parse(iso)));

export function renderQueueTable(snapshot: QueueSnapshot, colorLevel: 0 | 1 | 2 | 3): string {
  if (snapshot.tasks.length === 0) return `The queue is empty (${snapshot.backend} backend).`;
  const chalk = new Chalk({ level: colorLevel });
  const now = new Date(snapshot.generatedAt);
  const table = new TextTable(['ID', 'Subissue', 'Parent', 'Priority', 'Status', 'Worker', 'Attempts', 'Age', 'Last error']);
  const sorted = [...snapshot.tasks].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.priority - b.priority || a.createdAt.localeCompare(b.createdAt));
  for (const task of sorted) {
    table.push([
      task.id,
      task.subissue,
      task.parent,
      String(task.priority),
      STATUS_COLORS[task.status](chalk)(task.status),
      task.workerId === null ? '-' : String(task.workerId),
      String(task.attempts),
      age(task.createdAt, now),
      (task.lastError ?? '-').replace(/\s+/g, ' ').slice(0, 60),
    ]);
  }
  return table.toString();
}

export function renderDepthLine(snapshot: QueueSnapshot): string {
  const { queued, claimed, running, done, failed, review } = snapshot.depth;
  return `Queue (${snapshot.backend}): ${queued} queued, ${claimed} claimed (${running} running), ${done} done, ${failed} failed, ${review} review`;
}

export function renderMonitorFrame(snapshot: QueueSnapshot, colorLevel: 0 | 1 | 2 | 3): string {
  return [`${renderDepthLine(snapshot)} at ${snapshot.generatedAt}`, '', renderQueueTable(snapshot, colorLevel)].join('\n');
}
