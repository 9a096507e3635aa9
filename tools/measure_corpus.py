#!/usr/bin/env python
# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the change-detection margins table (docs/change-detection.md).

Run from the repository root:

    mkdir -p build/collections/ansible_collections/m365
    ln -sfn "$PWD" build/collections/ansible_collections/m365/photos
    PYTHONPATH=build/collections python tools/measure_corpus.py
"""

from __future__ import annotations

import sys
import time
from collections import Counter


def main():
    from ansible_collections.m365.photos.plugins.module_utils._imaging import compare as _compare
    from ansible_collections.m365.photos.tests.unit.corpus import margins, photo_corpus

    start = time.time()
    bases, pairs = photo_corpus.build_corpus()
    built = time.time()
    scored = margins.score_pairs(pairs)
    done = time.time()
    kinds = Counter(b.kind for b in bases)
    print(
        'bases: %d (%s); pairs: %d; corpus built in %.1fs, scored in %.1fs (%.2f ms/pair)'
        % (
            len(bases),
            ', '.join('%d %s' % (n, k) for k, n in sorted(kinds.items())),
            len(pairs),
            built - start,
            done - built,
            1000 * (done - built) / len(pairs),
        )
    )
    print('metric: ' + _compare.describe_metric())
    for rendition in ('full', '240'):
        print('\n## current photo = %s' % ('the full photo (/photo/$value)' if rendition == 'full' else 'the 240x240 rendition'))
        print(margins.format_table(scored, rendition))
        print('\ncomponent gaps (max on same, min on the changes it must catch, geometric mean):')
        for name, (same, changed, mid) in margins.component_gaps(scored, rendition).items():
            print(
                '  %-10s same<=%.4f changed>=%.4f mid=%.4f ratio=%.2f'
                % (name, same, changed, mid, changed / same if same else float('inf'))
            )
    wrong = [s for s in scored if s.wrong]
    for s in wrong[:20]:
        print('WRONG %s %s %s %s %.3f %s' % (s.pair.base, s.pair.category, s.pair.variant, s.pair.rendition, s.distance, s.components))
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main())
