"""Write static/geo/beijing-districts.json: a simplified layout of Beijing's 16 districts for the city map.

No survey-grade boundary file is bundled: each district is drawn as a regular 10-sided polygon at its approximate
centre (WGS-84, rounded), sized by its approximate area, so that the map reads as Beijing (the six central
districts small and together, the outer ones large and around them) without claiming to be a boundary map.
Run ``python scripts/beijing_districts_geojson.py`` to regenerate.
"""

import json
import math
from pathlib import Path

#: code, name, centre (lon, lat), radius in degrees of latitude
DISTRICTS = [
    ("110101", "东城区", (116.418, 39.930), 0.035),
    ("110102", "西城区", (116.362, 39.918), 0.035),
    ("110105", "朝阳区", (116.500, 39.955), 0.075),
    ("110106", "丰台区", (116.285, 39.845), 0.065),
    ("110107", "石景山区", (116.190, 39.915), 0.040),
    ("110108", "海淀区", (116.270, 40.030), 0.080),
    ("110109", "门头沟区", (115.900, 39.980), 0.170),
    ("110111", "房山区", (115.960, 39.700), 0.170),
    ("110112", "通州区", (116.700, 39.830), 0.110),
    ("110113", "顺义区", (116.680, 40.130), 0.110),
    ("110114", "昌平区", (116.240, 40.230), 0.130),
    ("110115", "大兴区", (116.400, 39.650), 0.120),
    ("110116", "怀柔区", (116.560, 40.620), 0.180),
    ("110117", "平谷区", (117.120, 40.170), 0.100),
    ("110118", "密云区", (116.960, 40.470), 0.170),
    ("110119", "延庆区", (116.090, 40.520), 0.170),
]
SIDES = 10


def polygon(centre, radius):
    lon, lat = centre
    stretch = 1 / math.cos(math.radians(lat))  # a degree of longitude is shorter than one of latitude
    ring = [
        [
            round(lon + radius * stretch * math.cos(2 * math.pi * i / SIDES), 4),
            round(lat + radius * math.sin(2 * math.pi * i / SIDES), 4),
        ]
        for i in range(SIDES)
    ]
    return [[*ring, ring[0]]]


def main():
    features = [
        {
            "type": "Feature",
            "properties": {"adcode": code, "name": name, "cp": list(centre)},
            "geometry": {"type": "Polygon", "coordinates": polygon(centre, radius)},
        }
        for code, name, centre, radius in DISTRICTS
    ]
    out = Path(__file__).resolve().parent.parent / "static" / "geo" / "beijing-districts.json"
    out.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
