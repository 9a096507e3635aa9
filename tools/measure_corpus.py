#!/usr/bin/env python
# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the change-detection margins table (docs/change-detection.md) for the whole corpus,
and the CPU cost of one comparison on the path a bulk run takes for an unchanged photo.

Run from the repository root:

    mkdir -p build/collections/ansible_collections/m365
    ln -sfn "$PWD" build/collections/ansible_collections/m365/photos
    PYTHONPATH=build/collections python tools/measure_corpus.py [--baseline GIT_REVISION]

With --baseline, the cost of one comparison is also measured for the comparison module of that
revision (alternating with the current one, in the same process, so both see the same load).

Every "current" photo of the corpus has passed through the fake tenant's upload processing
(tests/fake_tenant), as in production: normalise -> upload -> the service re-encodes -> compare.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter

COMPARE_PATHS = ('plugins/module_utils/_imaging/compare.py', 'plugins/module_utils/_compare.py')


def load_baseline(revision):
    """The comparison module of an earlier revision (its imports mapped to today's module layout)."""
    for path in COMPARE_PATHS:
        shown = subprocess.run(['git', 'show', '%s:%s' % (revision, path)], capture_output=True, text=True, check=False)
        if shown.returncode == 0:
            source = shown.stdout.replace('module_utils._image import', 'module_utils._imaging.normalise import')
            handle, copy = tempfile.mkstemp(prefix='baseline_compare_', suffix='.py')
            with os.fdopen(handle, 'w', encoding='utf-8') as out:
                out.write(source)
            spec = importlib.util.spec_from_file_location('baseline_compare', copy)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            os.unlink(copy)
            return module
    raise SystemExit('no comparison module at %s (looked for %s)' % (revision, ', '.join(COMPARE_PATHS)))


def comparison_cost(pairs, modules, rounds=10):
    """CPU time of one comparison as a bulk run makes it for an unchanged photo: the cached
    reference (reduce_for_compare, stored as PNG) against the photo downloaded from the tenant.
    The modules take turns, round by round. Returns {label: (photos, median, best)} in seconds."""
    from PIL import Image

    cases = {}
    for label, module in modules.items():
        cases[label] = []
        for pair in pairs:
            if pair.category == 'same:tenant' and pair.rendition == 'full':
                buffer = io.BytesIO()
                module.reduce_for_compare(pair.desired).save(buffer, format='PNG')
                cases[label].append((buffer.getvalue(), pair.current))
    per_round = {label: [] for label in modules}
    for _round in range(rounds):
        for label, module in modules.items():
            start = time.process_time()
            for reference, current in cases[label]:
                with Image.open(io.BytesIO(reference)) as image:
                    module.photo_distance(image.convert('RGB'), current)
            per_round[label].append((time.process_time() - start) / len(cases[label]))
    return {label: (len(cases[label]), statistics.median(times), min(times)) for label, times in per_round.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--baseline', metavar='GIT_REVISION', help='also measure the cost of the comparison of this revision')
    args = parser.parse_args()
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
    overall = margins.overall(scored, 'all')
    print(
        '\nboth renditions: closest same %.3f, closest changed %.3f, gap ratio %.2f'
        % (overall['max_same'], overall['min_changed'], overall['gap_ratio'])
    )
    print('\nper check, both renditions (max on same, min on the changes it is responsible for, geometric mean = its scale):')
    for name, (same, changed, mid) in margins.component_gaps(scored, 'all').items():
        print(
            '  %-10s same<=%.4f changed>=%.4f mid=%.4g (scale %.4g) ratio=%.2f'
            % (name, same, changed, mid, _compare.SCALES[name], changed / same if same else float('inf'))
        )
    modules = {'current': _compare}
    if args.baseline:
        modules['baseline ' + args.baseline] = load_baseline(args.baseline)
    print('\ncost of one comparison (cached reference vs the photo downloaded from the tenant):')
    for label, (photos, median, best) in comparison_cost(pairs, modules).items():
        print('  %-20s median %.2f ms CPU, best %.2f ms CPU (%d photos, 10 rounds)' % (label, 1000 * median, 1000 * best, photos))
    wrong = [s for s in scored if s.wrong]
    for s in wrong[:20]:
        print('WRONG %s %s %s %s %.3f %s' % (s.pair.base, s.pair.category, s.pair.variant, s.pair.rendition, s.distance, s.components))
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main())
