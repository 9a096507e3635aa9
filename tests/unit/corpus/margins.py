# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Score every corpus pair with the production metric and summarise the margins.

Used by tests/unit/plugins/module_utils/test_compare_corpus.py and by
tools/measure_corpus.py (which prints the table in docs/change-detection.md).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ansible_collections.m365.photos.plugins.module_utils._imaging import compare as _compare


@dataclass
class Scored:
    pair: object
    components: dict
    distance: float

    @property
    def wrong(self):
        return _compare.is_same_photo(self.distance) != self.pair.same


def score_pairs(pairs):
    """Distances for all pairs; each distinct photo is summarised once (5000+ pairs, ~600 photos)."""
    cache = {}

    def sig(data):
        key = id(data)
        if key not in cache:
            cache[key] = (data, _compare.signature(data))
        return cache[key][1]

    scored = []
    for pair in pairs:
        comp = _compare.components(sig(pair.desired), sig(pair.current))
        scored.append(Scored(pair, comp, _compare.distance_from_components(comp)))
    return scored


def summarise(scored, rendition='full'):
    """Per category: pairs, wrong decisions, closest-to-threshold distance and the pair it came from."""
    rows = OrderedDict()
    for s in sorted(scored, key=lambda s: s.pair.category):
        if rendition != 'all' and s.pair.rendition != rendition:
            continue
        row = rows.setdefault(s.pair.category, {'pairs': 0, 'wrong': 0, 'closest': None, 'example': None})
        row['pairs'] += 1
        row['wrong'] += int(s.wrong)
        # Closest to the threshold: the largest "same" distance, the smallest "changed" one.
        closer = row['closest'] is None or (s.distance > row['closest'] if s.pair.same else s.distance < row['closest'])
        if closer:
            row['closest'] = s.distance
            row['example'] = '%s / %s' % (s.pair.base, s.pair.variant)
    return rows


def overall(scored, rendition='full'):
    chosen = [s for s in scored if rendition == 'all' or s.pair.rendition == rendition]
    same = [s.distance for s in chosen if s.pair.same]
    changed = [s.distance for s in chosen if not s.pair.same]
    return {
        'same_pairs': len(same),
        'changed_pairs': len(changed),
        'wrong': sum(int(s.wrong) for s in chosen),
        'max_same': max(same),
        'min_changed': min(changed),
        'gap_ratio': min(changed) / max(same) if max(same) > 0 else float('inf'),
    }


def format_table(scored, rendition='full'):
    lines = ['| category | pairs | wrong | closest distance | closest pair |', '| --- | ---: | ---: | ---: | --- |']
    for category, row in summarise(scored, rendition).items():
        lines.append('| %s | %d | %d | %.3f | %s |' % (category, row['pairs'], row['wrong'], row['closest'], row['example']))
    o = overall(scored, rendition)
    lines.append('')
    lines.append(
        'rendition=%s: %d same + %d changed pairs, %d wrong; closest same %.3f, closest changed %.3f, '
        'gap ratio %.2f (THRESHOLD %.3f)'
        % (rendition, o['same_pairs'], o['changed_pairs'], o['wrong'], o['max_same'], o['min_changed'], o['gap_ratio'], _compare.THRESHOLD)
    )
    return '\n'.join(lines)


def component_gaps(scored, rendition='full'):
    """For each check: its largest value on "same" pairs, its smallest value on the changes it is
    responsible for, and their geometric mean (where its scale belongs).

    A change is the responsibility of the check that sees it most clearly: the one with the
    largest value relative to that check's largest "same" value.
    """
    chosen = [s for s in scored if rendition == 'all' or s.pair.rendition == rendition]
    names = list(_compare.SCALES)
    noise = {name: max(s.components[name] for s in chosen if s.pair.same) or 1e-12 for name in names}
    closest = {}
    for s in chosen:
        if not s.pair.same:
            name = max(names, key=lambda n: s.components[n] / noise[n])
            closest[name] = min(closest.get(name, float('inf')), s.components[name])
    return {name: (noise[name], closest[name], (noise[name] * closest[name]) ** 0.5) for name in names if name in closest}
