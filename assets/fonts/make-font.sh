#!/usr/bin/env bash
# Rebuilds assets/fonts/NotoSansSC-Regular.otf: the Simplified Chinese face of Debian's
# Noto Sans CJK Regular collection, subset to ASCII, Latin-1, general punctuation, CJK
# symbols and punctuation, fullwidth forms and every GB2312 and GBK hanzi.
#
# Needs: Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk) and Python fontTools
# (pip install fonttools; built with fontTools 4.68.0 against fonts-noto-cjk
# 1:20220127+repack1-1, Noto Sans CJK SC version 2.004).
# The output depends only on those two inputs; run it from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ttc="${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}"
[ -f "$ttc" ] || { echo "missing $ttc: apt-get install fonts-noto-cjk" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 - "$ttc" "$tmp" <<'PY'
import sys
from fontTools.ttLib import TTCollection

ttc, tmp = sys.argv[1], sys.argv[2]

# 1. The Simplified Chinese face out of the collection (index found by PostScript name).
coll = TTCollection(ttc)
face = next(f for f in coll.fonts if f["name"].getDebugName(6) == "NotoSansCJKsc-Regular")
face.save(f"{tmp}/sc.otf")

# 2. The repertoire, as code points.
cps = set()
cps.update(range(0x20, 0x7F))        # ASCII
cps.update(range(0xA0, 0x100))       # Latin-1 supplement
cps.update(range(0x2000, 0x2070))    # general punctuation (— ‘ ’ “ ” … ‰ ※)
cps.update(range(0x2100, 0x2200))    # letterlike symbols, number forms, arrows (℃ № Ⅳ →)
cps.update(range(0x2460, 0x24A0))    # enclosed numerals ①
cps.update(range(0x2500, 0x2600))    # box drawing, blocks, geometric shapes (■ ○ ★)
cps.update(range(0x3000, 0x3040))    # CJK symbols and punctuation (、。「」【】〔〕)
cps.update(range(0xFF00, 0xFFF0))    # halfwidth and fullwidth forms (，：￥)
cps.add(0x00B7); cps.add(0x2022); cps.add(0x22EF); cps.add(0x00D7); cps.add(0x00F7)

def decode_all(codec, leads, trails):
    out = set()
    for hi in leads:
        for lo in trails:
            try:
                s = bytes([hi, lo]).decode(codec)
            except UnicodeDecodeError:
                continue
            out.update(ord(ch) for ch in s)
    return out

# Every GB2312 code point (rows 0xA1-0xF7, cells 0xA1-0xFE): symbols, kana, Greek,
# Cyrillic, pinyin letters and the 6,763 hanzi.
gb2312 = decode_all("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
# Every GBK code point (lead 0x81-0xFE, trail 0x40-0xFE): adds the remaining CJK Unified
# Ideographs of the URO (21,003 hanzi in all) and the GBK extra symbols.
gbk = decode_all("gbk", range(0x81, 0xFF), range(0x40, 0xFF))
cps |= gb2312 | gbk

def is_hanzi(c):
    return 0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF or 0xF900 <= c <= 0xFAFF

print(f"GB2312 hanzi: {sum(map(is_hanzi, gb2312))}, GBK hanzi: {sum(map(is_hanzi, gbk))}, "
      f"code points requested: {len(cps)}")
with open(f"{tmp}/unicodes.txt", "w") as fh:
    fh.write(",".join(f"U+{c:04X}" for c in sorted(cps)))
PY

# 3. Subset. Horizontal text only: vertical metrics and vertical-layout features dropped;
#    CFF hinting dropped (the PDF viewers that matter hint on their own); the other
#    languages' locl variants dropped (this face is for Simplified Chinese only).
pyftsubset "$tmp/sc.otf" \
  --unicodes-file="$tmp/unicodes.txt" \
  --layout-features='kern,liga,ccmp' \
  --drop-tables+=vhea,vmtx,VORG,BASE \
  --no-hinting \
  --name-IDs='*' --name-languages='*' \
  --output-file="$tmp/out.otf"

python3 - "$tmp/out.otf" "$here/NotoSansSC-Regular.otf" <<'PY'
import sys
from fontTools.ttLib import TTFont
f = TTFont(sys.argv[1], recalcTimestamp=False)
print(f"glyphs: {len(f.getGlyphOrder())}, mapped code points: {len(f.getBestCmap())}")
# Deterministic output: pin the modification date to the source face's.
f["head"].modified = f["head"].created
f.save(sys.argv[2])
PY
ls -l "$here/NotoSansSC-Regular.otf"
sha256sum "$here/NotoSansSC-Regular.otf"
