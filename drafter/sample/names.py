"""Names for the sample: towns, enterprises, people, communities.

Every list is made from its own fixed seed, independent of the year, so the
same enterprise (same 统一社会信用代码 and name) and the same staff member turn
up in 2024 and 2025, as they would in a real district.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

# The 12 streets and towns of Qingpu District (the “12” of “1+17+12”).
TOWNS = (
    "夏阳街道", "盈浦街道", "香花桥街道", "赵巷镇", "徐泾镇", "华新镇",
    "重固镇", "白鹤镇", "朱家角镇", "练塘镇", "金泽镇", "青浦工业园区",
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建林峰波宇浩凯健俊帆帅旭宁琳晨欣怡佳雯婷雪梅慧颖倩文斌志海春"
_FIRMS = (
    "青浦", "淀山", "泖河", "青松", "汇金", "申青", "盈港", "沪青", "瑞祥", "鼎盛", "恒通", "嘉禾",
    "宏达", "新泾", "华青", "金沃", "致远", "东方", "永盛", "青禾", "博润", "凯迪", "佳诚", "协力",
    "天元", "中谊", "锦程", "宝隆", "信达", "朗盛", "科维", "润丰", "泰和", "亚太", "国联", "远东",
)
_TRADES = (
    ("化工", "危险化学品"), ("化学品贸易", "危险化学品"), ("油品", "危险化学品"), ("气体", "危险化学品"),
    ("机械制造", "工贸"), ("五金制品", "工贸"), ("金属制品", "工贸"), ("塑料制品", "工贸"),
    ("纺织", "工贸"), ("食品", "工贸"), ("包装材料", "工贸"), ("印刷", "工贸"), ("家具", "工贸"),
    ("汽车零部件", "工贸"), ("新材料", "工贸"), ("电子科技", "工贸"), ("木业", "粉尘涉爆"),
    ("铝业", "粉尘涉爆"), ("物流", "仓储物流"), ("仓储", "仓储物流"), ("供应链管理", "仓储物流"),
    ("建材", "工贸"), ("环保科技", "有限空间"), ("水务", "有限空间"),
)
_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "实业有限公司", "科技有限公司")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class Enterprise:
    uscc: str  # 统一社会信用代码
    name: str
    town: str
    industry: str  # 危险化学品 / 工贸 / 粉尘涉爆 / 仓储物流 / 有限空间


def uscc(rng: random.Random) -> str:
    """A well-formed 18-character 统一社会信用代码 of a Qingpu company (GB 32100 check digit)."""
    body = "91310118" + "".join(rng.choice(_USCC_CHARS) for _ in range(9))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


@lru_cache(maxsize=1)
def enterprises() -> tuple[Enterprise, ...]:
    """The district's enterprises: the first 6000 are the regulated industrial ones."""
    rng = random.Random("drafter-sample/enterprises")
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    out: list[Enterprise] = []
    while len(out) < 24000:
        code = uscc(rng)
        town = rng.choice(TOWNS)
        trade, industry = rng.choice(_TRADES)
        place = "上海" if rng.random() < 0.6 else "上海" + town.removesuffix("街道").removesuffix("镇")[:2]
        name = place + rng.choice(_FIRMS) + rng.choice(_FIRMS)[0] + trade + rng.choice(_FORMS)
        if code in seen_codes or name in seen_names:
            continue
        seen_codes.add(code)
        seen_names.add(name)
        out.append(Enterprise(code, name, town, industry))
    return tuple(out)


def regulated() -> tuple[Enterprise, ...]:
    """Enterprises under the bureau's own enforcement (危化、工贸 …)."""
    return enterprises()[:6000]


def person(rng: random.Random) -> str:
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


@lru_cache(maxsize=None)
def people(kind: str, count: int) -> tuple[str, ...]:
    """A fixed list of `count` distinct person names for one kind (staff, officers …)."""
    rng = random.Random(f"drafter-sample/people/{kind}")
    names: list[str] = []
    while len(names) < count:
        name = person(rng)
        if name not in names:
            names.append(name)
    return tuple(names)


_ESTATES = ("华庭", "新苑", "花园", "佳园", "雅苑", "公寓", "新村", "家园", "名邸", "御庭", "锦苑", "湾")


def community_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct names of residential communities."""
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(_FIRMS) + rng.choice(_FIRMS)[-1] + rng.choice(_ESTATES)
        if rng.random() < 0.3:
            name += rng.choice("一二三四五") + "期"
        if name not in names:
            names.append(name)
    return names
