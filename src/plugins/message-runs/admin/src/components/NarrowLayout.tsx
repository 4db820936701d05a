/**
 * Below 1100 px wide (a laptop's split screen, a tablet) a list's secondary columns (WIDE_ONLY) give way
 * and their text moves onto the row's main cells (NARROW_ONLY), so the status, the progress and the
 * actions stay in view, as Strapi's list views keep theirs.
 */
export const WIDE_ONLY = 'message-runs-wide-only';
export const NARROW_ONLY = 'message-runs-narrow-only';

/** The rule of WIDE_ONLY and NARROW_ONLY, once in each list that uses them. */
export const NarrowLayout = () => (
  <style>{`@media (max-width: 1099px) { .${WIDE_ONLY} { display: none; } }
@media (min-width: 1100px) { .${NARROW_ONLY} { display: none; } }`}</style>
);
