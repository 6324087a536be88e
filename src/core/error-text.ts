/**
 * A failure as one line: `<class>: <message>`. A task's recorded error already starts with its
 * class (the worker writes `github_error: ... (not retried)`), so the class is added only when the
 * text does not begin with it: never `github_error: github_error: ...`.
 */
export function withErrorClass(errorClass: string | null | undefined, error: string | null | undefined): string {
  const text = error?.trim() ?? '';
  if (!errorClass) return text === '' ? 'unknown' : text;
  if (text === '') return errorClass;
  return text === errorClass || text.startsWith(`${errorClass}:`) ? text : `${errorClass}: ${text}`;
}
