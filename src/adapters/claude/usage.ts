import type { ClaudeResult } from './stream-schema.js';

/** Cost, tokens, turns and durations of one run, for the task history. */
export interface RunUsage {
  readonly sessionId?: string;
  /** The CLI's client-side estimate (docs/CLAUDE-CODE.md section 7: an approximation). */
  readonly costUsd?: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheCreationTokens: number;
  readonly numTurns?: number;
  readonly durationMs?: number;
  readonly durationApiMs?: number;
  readonly models: readonly string[];
}

/**
 * Tokens come from `modelUsage` when present, since it includes subagents; `usage` covers the
 * main loop only (docs/CLAUDE-CODE.md section 7). A crash result may carry zeros: they are reported as is.
 */
export function extractUsage(result: ClaudeResult): RunUsage {
  const perModel = Object.entries(result.modelUsage ?? {});
  const sum = (pick: (entry: (typeof perModel)[number][1]) => number | undefined) =>
    perModel.reduce((total, [, entry]) => total + (pick(entry) ?? 0), 0);
  const tokens =
    perModel.length > 0
      ? {
          inputTokens: sum((entry) => entry.inputTokens),
          outputTokens: sum((entry) => entry.outputTokens),
          cacheReadTokens: sum((entry) => entry.cacheReadInputTokens),
          cacheCreationTokens: sum((entry) => entry.cacheCreationInputTokens),
        }
      : {
          inputTokens: result.usage?.input_tokens ?? 0,
          outputTokens: result.usage?.output_tokens ?? 0,
          cacheReadTokens: result.usage?.cache_read_input_tokens ?? 0,
          cacheCreationTokens: result.usage?.cache_creation_input_tokens ?? 0,
        };
  return {
    ...tokens,
    sessionId: result.session_id,
    costUsd: result.total_cost_usd,
    numTurns: result.num_turns,
    durationMs: result.duration_ms,
    durationApiMs: result.duration_api_ms,
    models: perModel.map(([model]) => model),
  };
}
