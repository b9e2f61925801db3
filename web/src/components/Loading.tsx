/** A polite "Loading…" for the first load; later reloads keep the old data on screen instead. */
export function Loading() {
  return (
    <p role="status" className="muted">
      Loading…
    </p>
  );
}
