/**
 * First page / Next page over a cursor-paged listing: `cursor` is the page shown (undefined: the first),
 * `nextCursor` the server's cursor of the next one (null on the last page).
 */
export function Pager({
  cursor,
  nextCursor,
  onPage,
}: {
  cursor: string | undefined;
  nextCursor: string | null | undefined;
  onPage: (cursor: string | undefined) => void;
}) {
  return (
    <nav aria-label="Pages" className="actions">
      <button type="button" onClick={() => onPage(undefined)} disabled={cursor === undefined}>
        First page
      </button>
      <button type="button" onClick={() => onPage(nextCursor ?? undefined)} disabled={!nextCursor}>
        Next page
      </button>
    </nav>
  );
}

/** A filter form's two buttons: submit to apply, and clear back to no filter. */
export function FilterActions({ onClear }: { onClear: () => void }) {
  return (
    <div className="actions">
      <button type="submit">Apply filters</button>
      <button type="button" className="secondary" onClick={onClear}>
        Clear filters
      </button>
    </div>
  );
}
