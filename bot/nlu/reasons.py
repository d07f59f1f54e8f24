"""Refund reasons as customers say them, mapped to the canonical values."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from bot.vocabulary import RefundReason

# Checked in this order: the more specific reasons first.
REASON_KEYWORDS: List[Tuple[RefundReason, Tuple[str, ...]]] = [
    (RefundReason.DUPLICATE_PAYMENT, (
        "重复支付", "重复扣费", "重复扣款", "重复付款", "重复缴费", "重复交费", "重复收费", "重复下单付款",
        "扣了两次", "扣了2次", "扣两次", "扣了两遍", "扣了我两次", "扣我两次", "扣了两回", "收了两次", "收了我两次",
        "两次钱", "付了2遍", "扣了两笔钱", "付了两次", "付了2次", "付两次", "付了两遍",
        "交了两次", "支付了两次", "支付两次", "多扣", "多付了", "多收", "两笔扣款", "扣了两笔", "扣费两次",
        "charged twice", "double charge", "double charged", "重复扣钱", "付重了", "钱扣重了",
        "扣了两遍", "扣我两遍", "扣了我两遍", "收了两遍", "付了两笔", "扣了2遍", "重复扣", "多扣的",
    )),
    (RefundReason.SERVICE_ISSUE, (
        "宕机", "当机", "故障", "不稳定", "连不上", "连接不上", "登不上", "登录不了", "访问不了", "打不开",
        "无法访问", "无法连接", "无法登录", "掉线", "断线", "卡顿", "很卡", "太卡", "延迟高", "延迟很高",
        "丢包", "服务质量", "质量问题", "质量太差", "数据丢失", "丢数据", "丢了数据", "网络中断", "断网",
        "服务中断", "挂了", "老是挂", "不可用", "用不了", "频繁重启", "自动重启", "性能太差", "性能差",
        "速度慢", "很慢", "太慢", "down机", "down了", "outage", "sla", "没达到承诺", "达不到", "跑不起来",
        "不通", "断了", "断开", "卡死", "死机", "崩了", "崩溃", "连不了", "进不去", "上不去", "ping不通",
        "服务有问题", "机器有问题", "服务器有问题", "出问题", "老出问题", "报错", "超时",
    )),
    (RefundReason.WRONG_PURCHASE, (
        "买错", "选错", "下错", "拍错", "点错", "订错", "购错", "错买", "误购", "误买", "误操作", "误点",
        "误下单", "误续费", "手滑", "不小心买", "不小心下单", "不小心续费", "不小心续", "自动续费了",
        "配置选错", "地域选错", "区域选错", "时长选错", "规格选错", "买多了", "多买了", "买重了",
        "wrong config", "bought the wrong", "wrong region",
        "开错", "买成", "下成", "选成", "点成了", "订成了", "拍成了",
        "本来想买", "本来只想", "本来想开", "地域错", "区域错", "配置错",
    )),
    (RefundReason.DEMAND_CHANGE, (
        "不需要了", "不需要这个", "不再需要", "用不上", "用不到", "没用了", "不想用了", "不打算用",
        "项目取消", "项目黄了", "项目停了", "项目结束", "项目不做", "业务调整", "业务变更", "业务变化",
        "业务停了", "业务关停", "不做了", "需求变化", "需求变了", "需求有变", "换方案", "换了方案",
        "迁移到", "迁走", "迁到别", "搬到别", "换服务商", "换别家", "公司倒闭", "公司关了", "停止运营",
        "闲置", "暂时不用", "计划有变", "计划变了", "no longer need", "don't need", "不用这台",
        "不用了", "不要了", "不想要了", "用不着", "不打算继续用", "不打算用", "不继续用", "不再用", "没啥用",
        "用不完", "不想用", "不需要",
    )),
]


def find_reason(text: str) -> Optional[Tuple[str, int, int]]:
    """The first refund reason mentioned in normalised `text`: (value, start, end)."""
    lowered = text.lower()
    best: Optional[Tuple[str, int, int]] = None
    for value, keywords in REASON_KEYWORDS:
        for keyword in keywords:
            for match in re.finditer(re.escape(keyword), lowered):
                if best is None:
                    best = (value.value, match.start(), match.end())
                break
        if best is not None:
            return best
    return None


def find_reasons(text: str) -> List[Tuple[str, int, int]]:
    """Every refund reason mentioned in normalised `text`, by position: (value, start, end) of
    the first mention of each."""
    lowered = text.lower()
    found = []
    for value, keywords in REASON_KEYWORDS:
        starts = [match for keyword in keywords for match in re.finditer(re.escape(keyword), lowered)]
        if starts:
            first = min(starts, key=lambda m: m.start())
            found.append((value.value, first.start(), first.end()))
    return sorted(found, key=lambda item: item[1])
