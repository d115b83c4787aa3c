// The HTTP code a client call ends with: 200 when it succeeds, else the StatusError's code
// (-1 for errors without one). For tests that check what an identity may do.
export async function apiCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}
