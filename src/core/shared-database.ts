import type { Settings } from './settings.js';

/**
 * Whether the hosts share one database (WORKER_BACKEND=postgres): the queue, the pool-wide pause,
 * health and history then live there, else in this host's files (docs/SPEC.md section 9.4). The one
 * place outside the queue that reads the backend setting.
 */
export const sharesDatabase = (settings: Pick<Settings, 'WORKER_BACKEND'>): boolean => settings.WORKER_BACKEND === 'postgres';
