"""Demo catalogue: remanufactured parts from Tongnan (Chongqing) suppliers.

`demo_catalog()` is pure and deterministic (a seeded random.Random, ids by uuid5), so other
services' demo data can refer to the same supplier and part ids. `load_if_empty(engine)`
writes it through the catalog's own models, in one transaction, when there are no parts.
The companies are invented; their USCCs are well-formed (GB 32100-2015 check character) but
not registered. OEM numbers follow each maker's real numbering style.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from services.catalog import domain
from services.catalog.contract import FitmentIn, PartCreate
from services.catalog.models import Part, Supplier
from services.catalog.service import insert_part
from services.common.db import session_scope

NAMESPACE = uuid.UUID("6f1c3a52-27d1-4c8e-9a55-0d3b7e0c5a10")
TONGNAN_DIVISION = "500152"  # 重庆市潼南区, administrative division code


@dataclass(frozen=True, slots=True)
class DemoFitment:
    make: str
    model: str
    year_from: int
    year_to: int
    engine_code: str | None = None


@dataclass(frozen=True, slots=True)
class DemoSupplier:
    id: uuid.UUID
    name_en: str
    name_zh: str
    uscc: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str
    verified: bool
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoPart:
    id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str
    category: str
    condition: str
    title_en: str
    title_zh: str
    title_translations: dict[str, str]
    description_en: str
    description_zh: str
    brand: str
    oem_numbers: list[str]
    interchange_numbers: list[str]
    price_cny: int  # fen
    core_charge_cny: int  # fen
    warranty_months: int
    weight_grams: int
    hs_code: str
    on_hand: int
    fitments: list[DemoFitment]
    source_vin: str | None = None
    dismantler: str | None = None
    remanufactured_on: date | None = None
    battery_chemistry: str | None = None
    battery_capacity_wh: int | None = None
    battery_soh_pct: int | None = None
    battery_cycles: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class DemoCatalog:
    suppliers: list[DemoSupplier]
    parts: list[DemoPart]


def _uscc(org_code: str) -> str:
    first17 = "91" + TONGNAN_DIVISION + org_code
    return first17 + domain.uscc_check_character(first17)


_SUPPLIERS = (
    (
        "MA5U1YX3K",
        "Chongqing Tongnan Yuxin Auto Parts Remanufacturing Co., Ltd.",
        "重庆潼南渝鑫汽车零部件再制造有限公司",
        "No. 18 Xingtong Avenue, Tongnan High-tech Zone, Chongqing",
        ("alternator", "starter", "water_pump", "ac_compressor"),
    ),
    (
        "MA60C8R21",
        "Chongqing Tongnan Hengda Powertrain Remanufacturing Co., Ltd.",
        "重庆市潼南区恒达动力总成再制造有限公司",
        "No. 6 Chuangye Road, Guilin Street, Tongnan District, Chongqing",
        ("transmission", "engine", "crankshaft", "flywheel", "cylinder_head"),
    ),
    (
        "MA5YH7T4X",
        "Chongqing Tongnan Ruichi Turbocharger Co., Ltd.",
        "重庆潼南锐驰涡轮增压器有限公司",
        "No. 88 Jiangbei Road, Zitong Street, Tongnan District, Chongqing",
        ("turbocharger", "fuel_injector", "egr_valve"),
    ),
    (
        "MA61PQ0D5",
        "Chongqing Lvyuan New Energy Battery Recycling Co., Ltd.",
        "重庆绿源新能源电池回收利用有限公司",
        "No. 2 Lvse Industrial Park, Shuangjiang Town, Tongnan District, Chongqing",
        ("nev_battery_module", "nev_drive_motor"),
    ),
    (
        "MA5XK2N68",
        "Chongqing Tongnan Chuanyu Steering and Braking Systems Co., Ltd.",
        "重庆潼南川渝转向制动系统有限公司",
        "No. 31 Gongye Avenue, Tongnan Economic Development Zone, Chongqing",
        ("steering_rack", "power_steering_pump", "brake_caliper", "brake_pads", "shock_absorber"),
    ),
    (
        "MA62B9W17",
        "Chongqing Shuangjiang Auto Electronics Remanufacturing Co., Ltd.",
        "重庆双江汽车电子再制造有限公司",
        "No. 9 Dianzi Road, Shuangjiang Town, Tongnan District, Chongqing",
        ("ecu", "headlamp"),
    ),
)

# (category, OEM number, interchange, make, model, zh model, years, engine code, weight g, yuan, core yuan)
_Item = tuple[str, str, str, str, str, str, tuple[int, int], str | None, int, int, int]
_ITEMS: tuple[_Item, ...] = (
    (
        "alternator",
        "06H903016L",
        "0 986 080 370",
        "Volkswagen",
        "Golf",
        "高尔夫",
        (2009, 2013),
        "CCZA",
        6200,
        1180,
        300,
    ),
    (
        "alternator",
        "27060-0T010",
        "0 986 082 800",
        "Toyota",
        "Corolla",
        "卡罗拉",
        (2008, 2013),
        "2ZR-FE",
        5400,
        980,
        250,
    ),
    ("alternator", "31100-RNA-A01", "0 986 048 130", "Honda", "Civic", "思域", (2006, 2011), "R18A", 5100, 920, 250),
    (
        "alternator",
        "37300-2B100",
        "0 986 082 630",
        "Hyundai",
        "Elantra",
        "伊兰特",
        (2007, 2012),
        "G4FC",
        5000,
        860,
        200,
    ),
    ("alternator", "BV6N-10300-CC", "0 986 082 700", "Ford", "Focus", "福克斯", (2011, 2018), "PNDA", 5600, 990, 250),
    ("alternator", "473QB-3701100", "", "BYD", "F3", "F3", (2005, 2013), "473QB", 4800, 560, 150),
    ("alternator", "1016050455", "", "Geely", "Emgrand EC7", "帝豪EC7", (2009, 2016), "JL4G18", 4900, 620, 150),
    ("starter", "02Z911023F", "0 986 021 651", "Volkswagen", "Golf", "高尔夫", (2004, 2012), "BSE", 3600, 760, 200),
    ("starter", "28100-0D120", "0 986 025 400", "Toyota", "Corolla", "卡罗拉", (2007, 2013), "2ZR-FE", 3100, 690, 200),
    ("starter", "31200-RNA-A51", "0 986 023 060", "Honda", "Civic", "思域", (2006, 2011), "R18A", 3000, 650, 150),
    ("starter", "36100-2B100", "0 986 023 130", "Hyundai", "i30", "i30", (2007, 2012), "G4FC", 2900, 610, 150),
    ("starter", "3708010-H01", "", "Changan", "CS35", "CS35", (2012, 2018), "JL478QEE", 2800, 420, 100),
    ("turbocharger", "06H145702S", "53039880136", "Audi", "A4", "A4L", (2008, 2015), "CDNC", 8200, 3980, 800),
    (
        "turbocharger",
        "03L253016T",
        "765261-5008S",
        "Volkswagen",
        "Passat",
        "帕萨特",
        (2008, 2014),
        "CFFB",
        7800,
        3480,
        800,
    ),
    (
        "turbocharger",
        "17201-30080",
        "721164-0013",
        "Toyota",
        "Hilux",
        "海拉克斯",
        (2005, 2015),
        "1KD-FTV",
        9100,
        3680,
        800,
    ),
    ("turbocharger", "28231-27800", "49173-02620", "Hyundai", "Tucson", "途胜", (2004, 2010), "D4EA", 7600, 2980, 600),
    (
        "turbocharger",
        "BK3Q-6K682-PC",
        "787556-5017S",
        "Ford",
        "Ranger",
        "撼路者",
        (2011, 2019),
        "P4AT",
        8400,
        3880,
        800,
    ),
    ("turbocharger", "1016051469", "", "Geely", "Boyue", "博越", (2016, 2021), "JLE-4G18TD", 7200, 2680, 600),
    (
        "fuel_injector",
        "03L130277B",
        "0 445 110 369",
        "Volkswagen",
        "Golf",
        "高尔夫",
        (2009, 2013),
        "CFHC",
        500,
        880,
        200,
    ),
    (
        "fuel_injector",
        "23670-30300",
        "095000-8290",
        "Toyota",
        "Hilux",
        "海拉克斯",
        (2005, 2015),
        "1KD-FTV",
        520,
        960,
        200,
    ),
    ("egr_valve", "03L131501G", "", "Volkswagen", "Passat", "帕萨特", (2008, 2014), "CFFB", 1200, 620, 100),
    ("water_pump", "06H121026DD", "", "Volkswagen", "Golf", "高尔夫", (2009, 2013), "CCZA", 1800, 420, 80),
    ("water_pump", "16100-39466", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), "2ZR-FE", 1500, 360, 80),
    ("water_pump", "19200-RNA-A01", "", "Honda", "Civic", "思域", (2006, 2011), "R18A", 1400, 340, 60),
    ("ac_compressor", "5N0820803", "", "Volkswagen", "Tiguan", "途观", (2008, 2016), "CAWB", 6400, 1680, 400),
    (
        "ac_compressor",
        "88310-02660",
        "447260-1490",
        "Toyota",
        "Corolla",
        "卡罗拉",
        (2008, 2013),
        "2ZR-FE",
        6000,
        1580,
        400,
    ),
    ("ac_compressor", "38810-RNA-A01", "", "Honda", "Civic", "思域", (2006, 2011), "R18A", 5800, 1480, 300),
    ("ac_compressor", "97701-2H000", "", "Hyundai", "Elantra", "伊兰特", (2007, 2012), "G4FC", 5700, 1380, 300),
    (
        "brake_caliper",
        "1K0615123E",
        "0 986 473 075",
        "Volkswagen",
        "Golf",
        "高尔夫",
        (2004, 2013),
        None,
        3900,
        480,
        120,
    ),
    ("brake_caliper", "47750-02170", "", "Toyota", "Corolla", "卡罗拉", (2007, 2013), None, 3600, 450, 120),
    ("brake_caliper", "45018-SNA-A01", "", "Honda", "Civic", "思域", (2006, 2011), None, 3500, 420, 100),
    ("brake_pads", "1K0698151A", "0 986 494 524", "Volkswagen", "Golf", "高尔夫", (2004, 2013), None, 1600, 180, 0),
    ("brake_pads", "04465-02220", "0 986 494 376", "Toyota", "Corolla", "卡罗拉", (2007, 2013), None, 1500, 160, 0),
    ("brake_pads", "SE-3501080", "", "BYD", "Qin Plus", "秦PLUS", (2021, 2025), None, 1500, 150, 0),
    ("steering_rack", "1K1423051MA", "", "Volkswagen", "Golf", "高尔夫", (2004, 2013), None, 11800, 2680, 600),
    ("steering_rack", "44250-02410", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), None, 10800, 2380, 500),
    ("steering_rack", "3401010-H01", "", "Changan", "CS75", "CS75", (2014, 2019), None, 10500, 1680, 400),
    ("power_steering_pump", "57100-2H000", "", "Hyundai", "Elantra", "伊兰特", (2007, 2012), "G4FC", 2600, 560, 120),
    ("shock_absorber", "48510-80716", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), None, 3200, 380, 0),
    ("ecu", "06A906032HS", "0 261 208 288", "Volkswagen", "Jetta", "捷达", (2005, 2010), "BJG", 700, 1280, 300),
    ("ecu", "89661-02K30", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), "2ZR-FE", 650, 1380, 300),
    ("ecu", "37820-RNA-A53", "", "Honda", "Civic", "思域", (2006, 2011), "R18A", 640, 1180, 300),
    ("ecu", "39110-2B050", "", "Hyundai", "i30", "i30", (2007, 2012), "G4FC", 620, 1080, 250),
    ("ecu", "3600010-B01", "", "Changan", "Eado", "逸动", (2012, 2018), "JL478QEE", 600, 780, 200),
    ("headlamp", "5G1941005", "", "Volkswagen", "Golf", "高尔夫", (2013, 2017), None, 4200, 1680, 200),
    ("headlamp", "81150-02B80", "", "Toyota", "Corolla", "卡罗拉", (2014, 2016), None, 3900, 1280, 200),
    ("headlamp", "33150-TBA-A01", "", "Honda", "Civic", "思域", (2016, 2021), None, 4100, 1580, 200),
    ("headlamp", "92101-F2000", "", "Hyundai", "Elantra", "伊兰特", (2016, 2020), None, 3800, 1180, 150),
    ("transmission", "0AM300050", "", "Volkswagen", "Golf", "高尔夫", (2009, 2016), "CAXA", 72000, 9800, 2000),
    ("transmission", "30500-12A60", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), "2ZR-FE", 78000, 8800, 2000),
    ("transmission", "AE8Z-7000-E", "", "Ford", "Focus", "福克斯", (2011, 2016), "PNDA", 76000, 8600, 2000),
    ("engine", "19000-37J00", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), "2ZR-FE", 112000, 16800, 3000),
    ("engine", "06J100035H", "", "Volkswagen", "Passat", "帕萨特", (2009, 2014), "CGMA", 128000, 19800, 4000),
    ("cylinder_head", "06H103064L", "", "Audi", "A4", "A4L", (2008, 2015), "CDNC", 14000, 3680, 800),
    ("crankshaft", "06H105101P", "", "Volkswagen", "Passat", "帕萨特", (2009, 2014), "CGMA", 16500, 1680, 300),
    ("crankshaft", "13401-0T010", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), "2ZR-FE", 14800, 1480, 300),
    ("flywheel", "03G105266CC", "415 0279 10", "Volkswagen", "Passat", "帕萨特", (2005, 2010), "BKP", 11800, 1880, 400),
    ("flywheel", "13450-0D020", "", "Toyota", "Corolla", "卡罗拉", (2008, 2013), "2ZR-FE", 9800, 980, 200),
    ("nev_battery_module", "BYD-FDB-4101010", "", "BYD", "Han EV", "汉EV", (2020, 2024), None, 28000, 12800, 3000),
    (
        "nev_battery_module",
        "BYD-QP-4101020",
        "",
        "BYD",
        "Qin Plus EV",
        "秦PLUS EV",
        (2021, 2024),
        None,
        26000,
        10800,
        3000,
    ),
    ("nev_battery_module", "6600139271", "", "Geely", "Geometry A", "几何A", (2019, 2023), None, 24000, 9800, 2500),
    ("nev_battery_module", "S201-4101010", "", "Changan", "Eado EV", "逸动EV", (2018, 2022), None, 23000, 8800, 2500),
    (
        "nev_drive_motor",
        "TZ220XSU-2103010",
        "",
        "BYD",
        "Qin Plus EV",
        "秦PLUS EV",
        (2021, 2024),
        None,
        52000,
        9800,
        2000,
    ),
    ("nev_drive_motor", "6600118456", "", "Geely", "Geometry A", "几何A", (2019, 2023), None, 48000, 8800, 2000),
    # Last, so the items above keep their SKUs: a water pump that does not fit a Golf.
    ("water_pump", "06J121026", "", "Volkswagen", "Passat", "帕萨特", (2008, 2014), "CCTA", 1900, 460, 80),
)

_MAKE_ZH = {
    "Volkswagen": "大众",
    "Audi": "奥迪",
    "Toyota": "丰田",
    "Honda": "本田",
    "Hyundai": "现代",
    "Ford": "福特",
    "BYD": "比亚迪",
    "Geely": "吉利",
    "Changan": "长安",
}
_BRANDS = ("Yuxin Reman", "Hengda", "Ruichi", "Lvyuan", "Chuanyu", "Shuangjiang")
_DISMANTLER = "重庆潼南报废汽车回收拆解有限公司 (Chongqing Tongnan End-of-Life Vehicle Dismantling Co.)"
# German titles (the supplier's translations): grade and category as a German buyer writes them.
_GRADES_DE = {
    "Remanufactured": "Aufbereitet",
    "Remanufactured, premium grade": "Aufbereitet, Premiumqualität",
    "Refurbished": "Überholt",
    "Used, tested": "Gebraucht, geprüft",
}
_VARIANTS = (
    ("REMANUFACTURED", "Remanufactured", "再制造", 1.0, 24),
    ("REMANUFACTURED", "Remanufactured, premium grade", "再制造 优选级", 1.18, 36),
    ("REFURBISHED", "Refurbished", "翻新", 0.8, 12),
    ("USED", "Used, tested", "二手 已检测", 0.55, 6),
)
# WMI for demo provenance VINs (source vehicles), per make.
_WMI = {
    "Volkswagen": "LFV",
    "Audi": "LFV",
    "Toyota": "LVG",
    "Honda": "LHG",
    "Hyundai": "LBE",
    "Ford": "LVS",
    "BYD": "LGX",
    "Geely": "L6T",
    "Changan": "LS5",
}
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 2010 ... (30-year cycle)


def _vin(rng: random.Random, make: str, year: int) -> str:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    first8 = _WMI[make] + "".join(rng.choice(alphabet) for _ in range(5))
    rest8 = (
        _YEAR_CODES[(year - 2010) % 30]
        + "".join(rng.choice(alphabet) for _ in range(1))
        + (f"{rng.randrange(10**6):06d}")
    )
    return first8 + domain.vin_check_digit(first8, rest8) + rest8


def demo_catalog() -> DemoCatalog:
    rng = random.Random(20261126)
    suppliers = [
        DemoSupplier(
            id=uuid.uuid5(NAMESPACE, f"supplier:{org}"),
            name_en=en,
            name_zh=zh,
            uscc=_uscc(org),
            address=address,
            contact_name=["Li Wei", "Zhang Min", "Wang Fang", "Chen Jie", "Liu Yang", "Zhao Lei"][i],
            contact_email=f"sales@{en.split()[2].lower()}-reman.example.cn",
            contact_phone=f"+86 23 4456 {1200 + i * 37:04d}",
            verified=True,
            categories=cats,
        )
        for i, (org, en, zh, address, cats) in enumerate(_SUPPLIERS)
    ]
    by_category = {c: s for s in suppliers for c in s.categories}
    parts: list[DemoPart] = []
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    for n, item in enumerate(_ITEMS):
        cat_code, oem, interchange, make, model, model_zh, years, engine, weight, yuan, core = item
        cat = domain.category(cat_code)
        supplier = by_category[cat_code]
        brand = _BRANDS[suppliers.index(supplier)]
        variants = _VARIANTS if n % 3 != 2 else _VARIANTS[:3]
        for v, (condition, grade_en, grade_zh, factor, warranty) in enumerate(variants):
            sku = f"TN-{cat_code[:3].upper()}-{n:03d}-{v}"
            fitments = [DemoFitment(make, model, years[0], years[1], engine)]
            if make == "Volkswagen" and cat_code in ("alternator", "starter", "brake_pads", "brake_caliper"):
                fitments.append(DemoFitment("Audi", "A3", years[0], years[1], engine))
            if make == "Toyota" and cat_code in ("alternator", "water_pump", "brake_pads"):
                fitments.append(DemoFitment("Toyota", "Levin", max(years[0], 2014), years[1] + 5, engine))
            engine_en = f" {engine}" if engine else ""
            title_en = f"{grade_en} {cat.name_en.lower()} for {make} {model}{engine_en} {years[0]}-{years[1]}"
            title_en = title_en[0].upper() + title_en[1:]
            title_zh = f"{_MAKE_ZH[make]}{model_zh} {cat.name_zh} {grade_zh} {oem}"
            names_de = domain.category_names(cat_code, "de")
            title_de = (
                f"{_GRADES_DE[grade_en]}: {names_de[0]} für {make} {model}{engine_en} {years[0]}-{years[1]}"
                if names_de
                else None
            )
            description_en = (
                f"{grade_en} {cat.name_en.lower()}, OEM {oem}"
                + (f", interchange {interchange}" if interchange else "")
                + f". Disassembled, cleaned, wear parts replaced and end-of-line tested in Tongnan, Chongqing."
                f" Fits {make} {model} {years[0]}-{years[1]}{engine_en}. Core return refunds the core charge."
            )
            description_zh = (
                f"{cat.name_zh}{grade_zh}件，原厂号 {oem}。在重庆潼南拆解、清洗、更换易损件并经下线测试。"
                f"适用于{_MAKE_ZH[make]}{model_zh} {years[0]}-{years[1]}年款。退回旧件可返还旧件押金。"
            )
            battery: dict[str, int | str | None] = {}
            if cat_code == "nev_battery_module":
                battery = {
                    "battery_chemistry": "LFP" if make == "BYD" else "NMC",
                    "battery_capacity_wh": rng.choice([5120, 6450, 7680, 8960]),
                    "battery_soh_pct": rng.randint(78, 96) - v * 3,
                    "battery_cycles": rng.randint(180, 1400) + v * 200,
                }
                description_en += f" {battery['battery_chemistry']} chemistry, state of health measured."
                description_zh += f"{battery['battery_chemistry']} 电芯，已检测健康度。"
            has_provenance = condition != "NEW" and rng.random() < 0.6
            made = start + timedelta(hours=7 * (len(parts)))
            parts.append(
                DemoPart(
                    id=uuid.uuid5(NAMESPACE, f"part:{supplier.uscc}:{sku}"),
                    supplier_id=supplier.id,
                    sku=sku,
                    category=cat_code,
                    condition=condition,
                    title_en=title_en,
                    title_zh=title_zh,
                    title_translations={"de": title_de} if title_de else {},
                    description_en=description_en,
                    description_zh=description_zh,
                    brand=brand,
                    oem_numbers=[oem],
                    interchange_numbers=[interchange] if interchange else [],
                    price_cny=round(yuan * factor * rng.uniform(0.95, 1.05)) * 100,
                    core_charge_cny=core * 100 if condition == "REMANUFACTURED" else 0,
                    warranty_months=warranty,
                    weight_grams=weight,
                    hs_code=cat.hs_code + ("00" if v % 2 else ""),
                    on_hand=rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 25]),
                    fitments=fitments,
                    source_vin=_vin(rng, make, rng.randint(*years)) if has_provenance else None,
                    dismantler=_DISMANTLER if has_provenance else None,
                    remanufactured_on=(made - timedelta(days=rng.randint(10, 120))).date()
                    if condition in ("REMANUFACTURED", "REFURBISHED")
                    else None,
                    created_at=made,
                    **battery,  # type: ignore[arg-type]
                )
            )
    return DemoCatalog(suppliers=suppliers, parts=parts)


def load_if_empty(engine: Engine) -> str | None:
    with Session(engine) as probe:
        if probe.scalar(select(func.count()).select_from(Part)):
            return None
    catalog = demo_catalog()
    with session_scope(engine) as session:
        load(session, catalog)
    return f"loaded {len(catalog.parts)} parts from {len(catalog.suppliers)} suppliers"


def load(session: Session, catalog: DemoCatalog) -> None:
    for s in catalog.suppliers:
        session.add(
            Supplier(
                id=s.id,
                name_en=s.name_en,
                name_zh=s.name_zh,
                uscc=s.uscc,
                address=s.address,
                contact_name=s.contact_name,
                contact_email=s.contact_email,
                contact_phone=s.contact_phone,
                verified=s.verified,
                # Every demo supplier lists parts, which only a verified one may.
                verification_status="VERIFIED" if s.verified else "NOT_SUBMITTED",
                verification_reason="demo data" if s.verified else None,
                created_at=datetime(2025, 12, 1, tzinfo=UTC) + timedelta(days=catalog.suppliers.index(s)),
            )
        )
    session.flush()
    for p in catalog.parts:
        data = PartCreate(
            sku=p.sku,
            title_en=p.title_en,
            title_zh=p.title_zh,
            title_translations=p.title_translations,
            description_en=p.description_en,
            description_zh=p.description_zh,
            category=p.category,
            condition=p.condition,
            brand=p.brand,
            oem_numbers=p.oem_numbers,
            interchange_numbers=p.interchange_numbers,
            price_cny=p.price_cny,
            core_charge_cny=p.core_charge_cny,
            warranty_months=p.warranty_months,
            weight_grams=p.weight_grams,
            hs_code=p.hs_code,
            fitments=[FitmentIn(**vars_of(f)) for f in p.fitments],
            on_hand=p.on_hand,
            source_vin=p.source_vin,
            dismantler=p.dismantler,
            remanufactured_on=p.remanufactured_on,
            battery_chemistry=p.battery_chemistry,
            battery_capacity_wh=p.battery_capacity_wh,
            battery_soh_pct=p.battery_soh_pct,
            battery_cycles=p.battery_cycles,
        )
        insert_part(session, p.supplier_id, data, part_id=p.id, created_at=p.created_at)


def vars_of(f: DemoFitment) -> dict[str, object]:
    return {
        "make": f.make,
        "model": f.model,
        "year_from": f.year_from,
        "year_to": f.year_to,
        "engine_code": f.engine_code,
    }
