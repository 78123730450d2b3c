/** The first line of an error's message (or the value as text), for the reason of a fallback. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    return error.message.split('\n')[0];
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
