"""The reader's wording kinds (bot/nlu/reader.py), each with wordings of its own kind that no
other test or conversation uses."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.nlu.reader import (
    appeal_demanded,
    appeal_grounds,
    asks_compensation,
    call_about,
    describes_fault,
    nothing_to_add,
    read,
    read_order_words,
    ruled_out_removed,
    says_no_evidence,
    says_refund,
    says_uploaded,
    side_requests,
    still_dissatisfied,
    wants_money_back,
    wants_partial_keep,
    wants_upgrade,
    withdraw_asked,
)

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def reading(text, pending=None, intent="inform"):
    return read(text, intent, [], pending, NOW)


@pytest.mark.parametrize("text,pending", [
    ("哦 那就不用了", "order_id"),
    ("算了算了 不弄了", "incident_time"),
    ("太麻烦了 不退了", "incident_description"),
])
def test_stops(text, pending):
    assert reading(text, pending).stops


@pytest.mark.parametrize("text", ["不要了", "不想用了", "用不着了"])
def test_a_reason_answering_why_is_no_stop(text):
    found = reading(text, "refund_reason")
    assert not found.stops and found.reason == "demand_change"


def test_a_changed_reason_takes_the_reason_named_after_it():
    found = reading("不算重复扣费的话 理由就改成不想用了", "refund_confirmed")
    assert found.changes_reason and found.reason == "demand_change" and not found.stops


@pytest.mark.parametrize("text", ["稍等一下再提交 我问下同事", "先别提交，回头再说"])
def test_pauses_are_not_confirmations(text):
    found = reading(text, "refund_confirmed")
    assert found.pauses and not found.confirms


@pytest.mark.parametrize("text", ["同事同意了，提交吧", "是的，第二笔是多扣的", "那就交人工复核"])
def test_confirmations_in_words(text):
    assert reading(text, "refund_confirmed").confirms


@pytest.mark.parametrize("text", ["提交了没有？", "不提交", "我没提交过"])
def test_no_confirmation(text):
    assert not reading(text, "refund_confirmed").confirms


@pytest.mark.parametrize("text,pending", [("确定降级", "pending_change"), ("补偿申请确认", "pending_change"),
                                          ("好嘞 同意赔偿", "pending_change"), ("那就确认退订", "refund_confirmed")])
def test_a_yes_that_names_what_it_confirms(text, pending):
    assert reading(text, pending).confirms


@pytest.mark.parametrize("text", ["确认退订以后钱多久到？", "不确定降配划不划算", "补偿确认了吗"])
def test_naming_the_thing_in_a_question_or_a_no_confirms_nothing(text):
    assert not reading(text, "pending_change").confirms


@pytest.mark.parametrize("text,upgrade", [("内存太小了 想扩容到16G", True), ("能不能帮我升级成8核的", True),
                                          ("CPU不够 调高一下配置", True), ("降一档就行 用不完", False),
                                          ("升级那笔订单的钱给我退了吧", False)])
def test_an_upgrade_wish(text, upgrade):
    assert wants_upgrade(text) is upgrade


@pytest.mark.parametrize("text,asks", [("另外上周宕机那台要赔点钱", True), ("顺便申请一下代金券", True),
                                       ("补偿就不用了", False), ("不要补偿 只降配", False)])
def test_compensation_asked_beside_another_request(text, asks):
    assert asks_compensation(text) is asks


def test_a_correction_rules_out_what_follows_its_no():
    text = "弄错了，不是CDN 是数据库那单"
    assert reading(text, "refund_reason").corrects
    kept, _ = ruled_out_removed(text, [])
    assert "CDN" not in kept and "数据库" in kept


@pytest.mark.parametrize("text,cores,gigs", [
    ("内存32G那台", None, 32), ("六核的那台", 6, None), ("2T的流量包", None, 2048), ("十二核二十四G", 12, 24),
])
def test_sizes_said_in_part(text, cores, gigs):
    words = read_order_words(text, NOW)
    assert (words.cores, words.gigs) == (cores, gigs)


def test_ruled_out_kinds_states_positions_prices_and_dates():
    assert read_order_words("4核8G，不要续费那张", NOW).not_kinds == {"renewal"}
    assert read_order_words("还没生效的那单", NOW).states == {"unstarted"}
    assert read_order_words("列表最底下那个", NOW).ordinal == "last"
    assert read_order_words("三百块那个", NOW).price == 300
    first, last = read_order_words("大概三周前下的单", NOW).bought_between
    assert first < datetime(2026, 11, 4).date() < last


@pytest.mark.parametrize("text,described", [
    ("机器老是自动重启 网站打不开", True),
    ("今天凌晨开始丢包很严重", True),
    ("服务出故障了", False),
    ("实例有问题", False),
])
def test_a_fault_described_or_only_named(text, described):
    assert describes_fault(text) is described


@pytest.mark.parametrize("text,kinds", [
    ("RF202611250001怎么样了？另外再退一单", ["status"]),
    ("手续费怎么算？到账要几天？", ["question", "question"]),
    ("帮我催催 顺便找人工", ["chase", "human"]),
    ("RF202611250001 能不能快点审核，找个人工", ["chase", "human"]),
    ("审核怎么还没好？转人工吧", ["chase", "human"]),
    ("我要退款", []),
    ("退款都拖了一个礼拜了，另外能开专票吗", ["chase", "other"]),
    ("那台轻量退了吧，另外公司抬头要改一下", ["other"]),
    ("开了票的还能退吗？多久能到", ["question", "question"]),
])
def test_several_requests(text, kinds):
    assert [s.kind for s in side_requests(text)] == kinds


@pytest.mark.parametrize("text,topic", [
    ("退款申请提交了 对了账户里剩的钱能提现吗", "balance_withdrawal"),
    ("把那单退了，还有增值税专票怎么开", "invoice"),
    ("进度怎么样了 以及充值一直没到账", "topup"),
])
def test_a_side_question_not_ours_names_its_topic(text, topic):
    assert [s.topic for s in side_requests(text) if s.kind == "other"] == [topic]


def test_appeals():
    assert appeal_demanded("结果不合理 我要提申诉") and not appeal_demanded("被驳回了还能申诉吗")
    assert appeal_grounds("申诉，原因是我在期限内申请的") == "我在期限内申请的"


@pytest.mark.parametrize("text", ["图片传完啦", "搞定了", "已上传"])
def test_uploaded(text):
    assert says_uploaded(text) and not says_no_evidence(text)


@pytest.mark.parametrize("text", ["确实没截图", "拿不出证据", "暂时没有材料"])
def test_no_evidence(text):
    assert says_no_evidence(text) and not says_uploaded(text)


def test_other_kinds():
    assert withdraw_asked("帮我把申请撤下来")
    assert wants_partial_keep("配置买大了 服务器还要用 能退点差价吗")
    assert not wants_partial_keep("不想用了 全部退掉")


@pytest.mark.parametrize("text,empty", [("略过", True), ("没啥要说的", True), ("不用了。", True),
                                        ("客服态度挺好", False), ("没有问题了 谢谢你们", False)])
def test_nothing_to_add(text, empty):
    assert nothing_to_add(text) is empty


@pytest.mark.parametrize("text,reason", [
    ("啊点错了，是数据库那单", None),  # takes the order back: 点错 names no reason here
    ("打错了 是2026110600010006", None),
    ("下单的时候点错了", "wrong_purchase"),  # how the purchase went wrong
    ("点错了 买错配置了", "wrong_purchase"),
])
def test_correction_words_name_no_reason_when_something_else_is_meant(text, reason):
    reading = read(text, "inform", [], "refund_reason", NOW)
    assert reading.corrects and reading.reason == reason


@pytest.mark.parametrize("text,filed,states,kind", [
    ("上个月底提的那个退款单现在啥情况了", True, set(), None),
    ("上个月买的那台", False, set(), None),
    ("还在审核的那个啥时候有结果", False, {"submitted", "under_review", "manager_review", "appealed"}, None),
    ("被驳回的那单是怎么回事", False, {"rejected", "final_rejected"}, None),
    ("降配的那个到哪了", False, set(), "downgrade"),
    ("服务器断了 给个补偿", False, set(), None),  # asks for one; names no ticket
])
def test_tickets_in_words(text, filed, states, kind):
    words = read_order_words(text, NOW)
    assert (words.filed_between is not None) == filed and (words.bought_between is None or not filed)
    assert words.ticket_states == states and words.ticket_kind == kind


def test_the_end_of_last_month_is_its_last_days():
    first, last = read_order_words("上个月底提的", NOW).filed_between  # NOW is in November
    assert (first.month, last.month, last.day) == (10, 10, 31) and first.day >= 20


@pytest.mark.parametrize("text", ["等一会儿 我去问下我们经理", "稍等啊 跟老板商量一下", "请示一下领导再说", "等下 我核实一下"])
def test_a_wait_to_ask_someone_is_a_pause(text):
    assert reading(text, "refund_confirmed").pauses
    assert not reading(text, "refund_confirmed").confirms


@pytest.mark.parametrize("text", ["老板说行 那就申请吧", "经理批了", "没问题了 办吧"])
def test_a_yes_passed_on_or_said_with_the_action(text):
    assert reading(text, "refund_confirmed").confirms


@pytest.mark.parametrize("text", ["老板说可以退吗", "领导不同意了", "审批了吗？", "不退吧"])
def test_no_yes_in_a_question_or_a_no(text):
    assert not reading(text, "refund_confirmed").confirms


@pytest.mark.parametrize("text", ["呃不对，是另一台", "不对 要退的是另外一个", "我说的是另一单 带宽那个"])
def test_corrections_that_start_with_no_or_name_another(text):
    assert reading(text, "refund_confirmed").corrects


@pytest.mark.parametrize("text", ["金额不对吧", "这个扣费不对劲"])
def test_a_wrong_amount_is_no_correction_of_an_answer(text):
    assert not reading(text, "refund_confirmed").corrects


def test_a_fault_told_at_the_quote_changes_the_reason_and_only_there():
    text = "其实是机器的问题 昨天晚上开始网页一直打不开"
    assert reading(text, "refund_confirmed").changes_reason
    assert not reading(text, "order_id").changes_reason
    assert not reading("机器有故障", "refund_confirmed").changes_reason  # named, not told


@pytest.mark.parametrize("text,said", [("那个流量包 推款", True), ("腿款 带宽那个", True), ("能退吗 那台小的", True),
                                       ("tui kuan", True), ("可以退出登录吗", False), ("退货地址在哪", False),
                                       ("买错地域了", False)])
def test_a_refund_named_in_any_spelling(text, said):
    assert says_refund(text) is said


@pytest.mark.parametrize("text,wanted", [("下单时地域点成了广州", True), ("那台被收了两遍钱", True),
                                         ("那台用不上了", True), ("那台昨天卡了一下", False), ("那台多少钱", False)])
def test_money_back_wanted_by_a_reason_only_refunds_answer(text, wanted):
    assert wants_money_back(text) is wanted


@pytest.mark.parametrize("text,none", [("截图都没留 当时光顾着修了", True), ("没有任何日志 机器直接重启了", True),
                                       ("没有截图 不过有监控链接", False), ("日志没保存 https://pan.example.com/s/1", False)])
def test_no_evidence_with_the_why(text, none):
    assert says_no_evidence(text) is none


def test_a_chase_names_a_refund_or_speaks_of_what_it_follows():
    assert [s.names_refund for s in side_requests("我的退款拖了好久了，顺便问下发票能改抬头吗")] == [True, False]
    assert [s.names_refund for s in side_requests("上午充了钱，到现在怎么还没到账")] == [False, False]


@pytest.mark.parametrize("text,price", [("那个3600的 不要了", 3600), ("一千二的，退了吧", 1200), ("买了12个月的", None),
                                        ("8核16G的 退掉", None)])
def test_a_bare_price_before_a_pause(text, price):
    assert read_order_words(text, NOW).price == price


@pytest.mark.parametrize("text,empty", [("不需要了，谢谢", True), ("不用了 多谢您", True), ("没有了~", True),
                                        ("不用谢 我是想问发票", False)])
def test_nothing_to_add_with_thanks(text, empty):
    assert nothing_to_add(text) is empty


@pytest.mark.parametrize("text,dissatisfied", [
    ("复核还是维持原判？这结果我接受不了", True),
    ("你们这处理也太离谱了吧", True),
    ("这个决定我不认 太不讲道理了", True),
    ("霸王条款 我不买账", True),
    ("申诉审完了吗", False),
    ("我不认识这个工单号", False),
    ("好吧 知道了", False),
])
def test_still_dissatisfied_after_a_decision(text, dissatisfied):
    assert still_dissatisfied(text) is dissatisfied


@pytest.mark.parametrize("rest,about", [
    ("我的手机号是", ""),
    ("电话：", ""),
    ("打这个号", ""),
    ("手机号码为 想问下降配的差价", "想问下降配的差价"),
    ("手机上的账单对不上", "手机上的账单对不上"),  # 「手机」 here is what the call is about
])
def test_what_a_call_back_is_about_leaves_out_how_the_number_is_introduced(rest, about):
    assert call_about(rest) == about
