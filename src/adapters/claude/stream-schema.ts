import { z } from 'zod';

/**
 * zod shapes of the stream-json events we act on (docs/CLAUDE-CODE.md section 3). Only the fields we read are
 * declared: zod drops the rest, so new fields in a later CLI cost nothing and break nothing.
 */

const count = z.number().nonnegative().catch(0);

export const rateLimitInfoSchema = z.object({
  status: z.string(),
  /** Unix epoch seconds. */
  resetsAt: z.number().optional(),
  rateLimitType: z.string().optional(),
  overageStatus: z.string().optional(),
});
export type RateLimitInfo = z.infer<typeof rateLimitInfoSchema>;

export const rateLimitEventSchema = z.object({
  type: z.literal('rate_limit_event'),
  rate_limit_info: rateLimitInfoSchema,
});

export const systemEventSchema = z.object({
  type: z.literal('system'),
  subtype: z.string(),
  session_id: z.string().optional(),
  model: z.string().optional(),
  claude_code_version: z.string().optional(),
  attempt: z.number().optional(),
  max_retries: z.number().optional(),
  retry_delay_ms: z.number().optional(),
  error_status: z.number().nullable().optional(),
  error: z.string().optional(),
});
export type SystemEvent = z.infer<typeof systemEventSchema>;

const contentBlock = z.object({
  type: z.string(),
  id: z.string().optional(),
  name: z.string().optional(),
  tool_use_id: z.string().optional(),
  is_error: z.boolean().optional(),
});

/** `assistant` and `user` messages; content is a string for plain prompts. */
export const messageEventSchema = z.object({
  type: z.enum(['assistant', 'user']),
  // Array first: a union stops at the first option that fits, and arrays are the common case.
  message: z.object({ content: z.union([z.array(contentBlock), z.string()]) }),
  /** Set by the CLI (not the model) on the synthetic message that reports an API error. */
  is_api_error_message: z.boolean().optional(),
  api_error_status: z.number().nullable().optional(),
  api_error: z.string().optional(),
  api_error_params: z.object({ rate_limit_info: rateLimitInfoSchema.optional() }).optional(),
  /** The CLI's kind of that error, e.g. `authentication_failed` (no key, a bad key, not logged in). */
  error: z.string().optional(),
});
export type MessageEvent = z.infer<typeof messageEventSchema>;

export const toolProgressEventSchema = z.object({
  type: z.literal('tool_progress'),
  tool_name: z.string().optional(),
  tool_use_id: z.string().optional(),
});

const usageSchema = z.object({
  input_tokens: count.optional(),
  output_tokens: count.optional(),
  cache_creation_input_tokens: count.optional(),
  cache_read_input_tokens: count.optional(),
});

const modelUsageSchema = z.object({
  inputTokens: count.optional(),
  outputTokens: count.optional(),
  cacheReadInputTokens: count.optional(),
  cacheCreationInputTokens: count.optional(),
  costUSD: count.optional(),
});

/**
 * The final `result` object (also the whole output of `--output-format json`). Cost was once
 * `total_cost`, and earlier `cost_usd` (docs/CLAUDE-CODE.md section 7): all are read into `total_cost_usd`.
 */
export const resultSchema = z
  .object({
    type: z.literal('result'),
    subtype: z.string(),
    is_error: z.boolean(),
    result: z.string().optional(),
    session_id: z.string().optional(),
    num_turns: count.optional(),
    duration_ms: count.optional(),
    duration_api_ms: count.optional(),
    total_cost_usd: count.optional(),
    total_cost: count.optional(),
    cost_usd: count.optional(),
    usage: usageSchema.optional(),
    modelUsage: z.record(modelUsageSchema).optional(),
    terminal_reason: z.string().nullable().optional(),
    stop_reason: z.string().nullable().optional(),
    api_error_status: z.number().nullable().optional(),
    api_error_type: z.string().optional(),
    api_error: z.string().optional(),
    errors: z.array(z.string()).optional(),
    permission_denials: z.array(z.unknown()).optional(),
  })
  .transform(({ total_cost, cost_usd, ...rest }) => ({ ...rest, total_cost_usd: rest.total_cost_usd ?? total_cost ?? cost_usd }));
export type ClaudeResult = z.infer<typeof resultSchema>;
