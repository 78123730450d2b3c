import { clearFashionMnistCache } from './fashion-mnist';
import { clearMnistCache } from './mnist';

/**
 * Releases the bundled data sets that {@link loadMnist} and {@link loadFashionMnist} keep in
 * memory after their first call (≈31 MB and ≈55 MB). The next load parses the files again.
 * Arrays already returned to callers are not affected.
 */
export function clearDatasetCache(): void {
  clearMnistCache();
  clearFashionMnistCache();
}
