"""Near-duplicate fingerprints and clustering."""

from __future__ import annotations

import random
import time

import pytest

from searchapp.dedup import bands, cluster, fingerprint, hamming

EDUCATION_REPORT = """江南市2023年教育工作总结

2023年，全市教育系统深入贯彻党的二十大精神，坚持立德树人根本任务，以办好人民满意的教育为目标，统筹推进各级各类教育高质量发展，较好完成了年初确定的各项目标任务。

一、学前教育普惠发展取得新进展。全年新建、改扩建公办幼儿园18所，新增学位5400个，公办园在园幼儿占比达到56.3%，普惠性幼儿园覆盖率达到92.1%。持续开展幼儿园保育教育质量评估，坚决纠正幼儿园“小学化”倾向，组织城乡幼儿园结对帮扶62对。

二、义务教育优质均衡迈出新步伐。实施新优质学校培育计划，组建城乡教育共同体45个，覆盖乡村学校132所。全面落实“双减”政策，校内课后服务实现义务教育学校全覆盖，学生参与率达到95.6%。新建中小学校9所，消除56人以上大班额，义务教育阶段随迁子女在公办学校就读比例保持在90%以上。

三、普通高中多样化特色发展成效明显。稳妥推进新课程新教材实施，建成省级普通高中特色示范学校3所。完善选课走班教学管理，加强学生发展指导，高考综合改革平稳落地。

四、职业教育产教融合持续深化。市职业技术学校与本地32家企业共建实训基地，开设订单班28个，中职毕业生就业和升学率达到97.2%。举办全市职业院校技能大赛，1名学生获全国职业院校技能大赛一等奖。

五、教师队伍建设不断加强。公开招聘中小学教师486名，组织教师全员培训4.2万人次，评选市级名师、名校长工作室40个。落实中小学教师平均工资收入不低于当地公务员平均工资收入水平的要求。

六、教育保障能力稳步提升。全市教育经费总投入86.4亿元，比上年增长6.8%。完成校园安全设施改造项目210个，学校食堂“明厨亮灶”覆盖率达到100%。资助家庭经济困难学生3.1万人次，发放资助资金4200万元。

2024年，我们将坚持教育优先发展，加快建设教育强市，着力扩大优质教育资源供给，深化教育评价改革，全面提高教育治理能力，为全市经济社会高质量发展提供坚实的人才支撑。
"""

ENVIRONMENT_REPORT = """江南市2023年生态环境状况公报

2023年，全市环境空气质量持续改善，细颗粒物年均浓度为28微克每立方米，比上年下降3.4%，空气质量优良天数比例为88.2%。全年未发生重污染天气，臭氧污染得到初步遏制。

全市地表水环境质量总体为优，23个国控、省控断面水质优良比例为95.7%，无劣五类水体。集中式饮用水水源地水质达标率保持100%，城市黑臭水体实现动态清零。近岸海域水质稳中向好。

土壤环境质量总体稳定，受污染耕地安全利用率达到93%以上，重点建设用地安全利用得到有效保障。全市危险废物利用处置能力达到每年42万吨，医疗废物实现应收尽收、日产日清。

声环境质量总体较好，城市功能区声环境质量昼间达标率为96.4%，夜间达标率为85.1%。辐射环境质量总体良好，环境电离辐射水平处于本底涨落范围内。

生态系统格局总体稳定，森林覆盖率达到61.7%，新增湿地保护面积1200公顷，完成历史遗留矿山生态修复面积380公顷。全市累计建成省级生态文明建设示范区5个。
"""


def republished(report: str) -> str:
    """The same report as another site serves it: its own header and footer lines,
    ASCII punctuation, full-width digits, hard line wraps and extra blank lines."""
    body = report.replace("，", ",").replace("。", ". ").replace("、", "/").replace("“", '"').replace("”", '"')
    body = body.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    wrapped = "\n".join(body[i : i + 30] for i in range(0, len(body), 30)).replace("\n\n", "\n\n\n")
    return "来源：江南日报\n" + wrapped + "\n（责任编辑：李明）\n"


def test_punctuation_whitespace_and_full_width_digits_do_not_matter():
    variant = EDUCATION_REPORT.replace("，", ", ").replace("\n\n", "\n").translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )

    assert fingerprint(variant) == fingerprint(EDUCATION_REPORT)


def test_same_report_with_different_chrome_is_within_the_default_distance():
    original = fingerprint("首页 | 政务公开 | 工作报告\n" + EDUCATION_REPORT + "版权所有：江南市教育局\n")
    copy = fingerprint(republished(EDUCATION_REPORT))

    assert hamming(original, copy) <= 3


def test_different_reports_are_far_apart():
    # Unrelated texts differ in about half of the 64 bits.
    assert hamming(fingerprint(EDUCATION_REPORT), fingerprint(ENVIRONMENT_REPORT)) >= 20


def test_fingerprint_is_stable_across_processes_and_versions():
    # A fixed value: hashing uses BLAKE2b, never the per-process salted hash(). If this
    # changes, every stored fingerprint must be recomputed.
    assert fingerprint(EDUCATION_REPORT) == 0x1B08_58EA_C928_B47F


def test_short_and_empty_texts():
    assert fingerprint("") == 0
    assert fingerprint("……  \n——") == 0  # no content characters
    notice = "关于2024年端午节放假安排的通知：6月10日放假，与周末连休。"
    assert fingerprint(notice) == fingerprint(notice.replace("，", ",").replace("：", ":"))
    assert fingerprint(notice) != fingerprint("关于2024年国庆节放假安排的通知：10月1日至7日放假调休，共7天。")


def test_hamming_counts_differing_bits():
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, (1 << 64) - 1) == 64


def test_bands_split_the_64_bits_for_the_pigeonhole_search():
    for max_distance in (0, 3, 5, 10):
        parts = bands(max_distance)
        assert len(parts) == max_distance + 1
        covered = 0
        for shift, mask in parts:
            assert covered & (mask << shift) == 0  # disjoint
            covered |= mask << shift
        assert covered == (1 << 64) - 1


def test_cluster_maps_each_document_to_the_smallest_id_of_its_cluster():
    x, y, z = 0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210, 0x0F0F_0F0F_F0F0_F0F0
    fingerprints = {
        "gov.cn/report": x,
        "edu.gov.cn/report": x ^ 0b101,  # 2 bits away
        "news/b": y,
        "news/a": y ^ 0b111,  # 3 bits away from news/b
        "news/c": y ^ 0b1111_0000_111,  # 7 bits from news/b, 4 from news/a
        "alone": z,
    }
    assert hamming(fingerprints["news/c"], fingerprints["news/a"]) == 4

    assert cluster(fingerprints) == {
        "gov.cn/report": "edu.gov.cn/report",
        "edu.gov.cn/report": "edu.gov.cn/report",
        "news/b": "news/a",
        "news/a": "news/a",
        "news/c": "news/c",
        "alone": "alone",
    }
    # With a wider threshold news/c joins; clusters are connected components.
    assert cluster(fingerprints, max_distance=4)["news/c"] == "news/a"


def test_cluster_links_chains_of_near_duplicates():
    fingerprints = {"a": 0, "b": 0b111, "c": 0b111_111}  # a~b (3), b~c (3), a-c is 6
    assert cluster(fingerprints) == {"a": "a", "b": "a", "c": "a"}


def test_cluster_is_deterministic_whatever_the_input_order():
    rng = random.Random(5)
    base = [rng.getrandbits(64) for _ in range(50)]
    fingerprints = {f"doc{i:03d}": base[i // 3] ^ (1 << rng.randrange(64)) for i in range(150)}
    shuffled = list(fingerprints.items())
    rng.shuffle(shuffled)

    assert cluster(dict(shuffled)) == cluster(fingerprints)


def test_identical_fingerprints_and_max_distance_zero():
    fingerprints = {"c": 7, "a": 7, "b": 7, "d": 6}
    assert cluster(fingerprints, max_distance=0) == {"a": "a", "b": "a", "c": "a", "d": "d"}


def test_cluster_rejects_impossible_distances():
    with pytest.raises(ValueError, match="max_distance"):
        cluster({"a": 1}, max_distance=64)


def test_cluster_of_real_texts():
    fingerprints = {
        "site1/2023jygz.html": fingerprint(EDUCATION_REPORT),
        "site2/art_123.html": fingerprint(republished(EDUCATION_REPORT)),
        "site1/2023sthj.html": fingerprint(ENVIRONMENT_REPORT),
    }

    assert cluster(fingerprints) == {
        "site1/2023jygz.html": "site1/2023jygz.html",
        "site2/art_123.html": "site1/2023jygz.html",
        "site1/2023sthj.html": "site1/2023sthj.html",
    }


def test_cluster_scales_to_20000_documents():
    rng = random.Random(20_000)
    fingerprints = {f"doc{i:05d}": rng.getrandbits(64) for i in range(20_000)}
    planted = {}
    for i in range(0, 1000, 2):  # 500 near-duplicate pairs, 1 to 3 bits apart
        original = fingerprints[f"doc{i:05d}"]
        flipped = original
        for bit in rng.sample(range(64), rng.randint(1, 3)):
            flipped ^= 1 << bit
        planted[f"dup{i:05d}"] = flipped
    fingerprints.update(planted)

    start = time.process_time()  # CPU time: the machine may be busy with other work
    result = cluster(fingerprints)
    elapsed = time.process_time() - start

    assert elapsed < 5  # about 0.1 s on one core
    for dup in planted:
        assert result[dup] == f"doc{dup[3:]}"
    clustered = {doc_id for doc_id, rep in result.items() if doc_id != rep}
    assert clustered == set(planted)  # random 64-bit values are never 3 bits apart


# --- containment sketches (issue 11) ------------------------------------------------

from searchapp.dedup import cluster_sketches, sketch, sketch_similarity  # noqa: E402


def test_an_excerpt_of_a_report_is_grouped_with_the_full_copy():
    paragraphs = EDUCATION_REPORT.split("\n\n")
    excerpt = "\n\n".join(paragraphs[2:6]) + "\n网友评论:写得好\n"
    sketches = {"full": sketch(EDUCATION_REPORT), "excerpt": sketch(excerpt), "other": sketch(ENVIRONMENT_REPORT)}
    groups = cluster_sketches(sketches)
    assert groups["excerpt"] == groups["full"] == "excerpt"
    assert groups["other"] == "other"


def test_doubled_characters_and_masked_names_do_not_hide_a_copy():
    doubled = "".join(c * 2 if "\u4e00" <= c <= "\u9fff" else c for c in EDUCATION_REPORT)
    masked = EDUCATION_REPORT.replace("江南", "××").replace("党", "X")
    base = sketch(EDUCATION_REPORT)
    for copy in (doubled, masked):
        jaccard, containment = sketch_similarity(base, sketch(copy))
        assert jaccard > 0.8 and containment > 0.8


def test_unrelated_reports_are_far_apart_in_sketches():
    jaccard, containment = sketch_similarity(sketch(EDUCATION_REPORT), sketch(ENVIRONMENT_REPORT))
    assert jaccard < 0.1 and containment < 0.2


def _sketch_family(seed: int) -> list[tuple[int, ...]]:
    """Random sketches with perturbed copies (shared bands), a few too short to sketch."""
    from searchapp.dedup import SKETCH_BINS

    rng = random.Random(seed)
    bases = [tuple([rng.randint(50, 5000)] + [rng.randrange(1 << 16) for _ in range(SKETCH_BINS)])
             for _ in range(60)]
    out: list[tuple[int, ...]] = list(bases)
    for _ in range(240):
        copy = list(rng.choice(bases))
        for j in rng.sample(range(1, SKETCH_BINS + 1), rng.randint(0, SKETCH_BINS)):
            copy[j] = rng.randrange(1 << 16)
        out.append(tuple(copy))
    out += [(0,), (0,)]
    rng.shuffle(out)
    return out


def test_sketch_candidates_with_numpy_are_the_pairs_and_counts_of_the_plain_loop():
    from searchapp.dedup import _sketch_candidates, _sketch_candidates_loop

    for seed in range(3):
        sketches = _sketch_family(seed)
        fast = sorted(_sketch_candidates(sketches))
        assert fast == sorted(_sketch_candidates_loop(sketches))
        assert len(fast) > 100  # the copies do share bands
        for a, b, agreeing in fast[:50]:
            assert agreeing == sum(x == y for x, y in zip(sketches[a][1:], sketches[b][1:]))


def test_cluster_sketches_groups_perturbed_copies_with_their_original():
    sketches = {f"d{i:03d}": sk for i, sk in enumerate(_sketch_family(7))}
    groups = cluster_sketches(sketches)
    assert set(groups) == set(sketches)
    assert all(rep <= doc_id and groups[rep] == rep for doc_id, rep in groups.items())
    # Far fewer groups than sketches (most copies keep enough bins), more than the 60 originals.
    assert 60 <= len(set(groups.values())) < len(sketches) - 100


def test_compact_sketches_hold_the_same_values_and_group_the_same_copies():
    """An indexing run keeps every document's sketch until it groups copies at the end:
    as 32-bit arrays, not tuples of Python ints, with the same groups either way (also
    in the plain loop, whose band keys must be hashable)."""
    import sys

    from searchapp.dedup import _sketch_candidates, _sketch_candidates_loop, compact_sketch

    family = _sketch_family(11)
    compact = [compact_sketch(sk) for sk in family]
    assert [tuple(c) for c in compact] == family
    full = family[0] if len(family[0]) > 1 else family[1]
    tuple_bytes = sys.getsizeof(full) + sum(sys.getsizeof(v) for v in full)
    assert sys.getsizeof(compact_sketch(full)) * 4 < tuple_bytes
    assert compact_sketch(None) is None and compact_sketch((-1, 2)) == (-1, 2)  # no sketch, foreign shape
    named = {f"d{i:03d}": sk for i, sk in enumerate(family)}
    assert cluster_sketches({k: compact_sketch(v) for k, v in named.items()}) == cluster_sketches(named)
    assert sorted(_sketch_candidates_loop(compact)) == sorted(_sketch_candidates(family))


def _groups_by_plain_loop(named: dict[str, tuple[int, ...]]) -> dict[str, str]:
    """The reference: every candidate pair of the plain loop, scored one by one."""
    from searchapp.dedup import MIN_CONTAINMENT, MIN_SKETCH_JACCARD, _similarity, _sketch_candidates_loop

    ids = sorted(named)
    full = [named[i] for i in ids]
    parent = list(range(len(ids)))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b, agreeing in _sketch_candidates_loop(full):
        jac, cont = _similarity(agreeing, full[a][0], full[b][0])
        if jac >= MIN_SKETCH_JACCARD and cont >= MIN_CONTAINMENT:
            parent[max(root(a), root(b))] = min(root(a), root(b))
    return {doc_id: ids[root(pos)] for pos, doc_id in enumerate(ids)}


def test_grouping_band_by_band_in_small_blocks_finds_the_groups_of_every_pair_at_once(monkeypatch):
    """cluster_sketches never holds every candidate pair: one band at a time, pairs
    compared in blocks. Shrunk blocks (a bucket's pairs split across several) and a
    bucket over the boilerplate limit give the groups of the plain loop."""
    import searchapp.dedup as dedup

    family = _sketch_family(5)
    # A band value shared by 40 sketches (a bucket of 780 pairs) and, in another
    # band, one shared by more than the limit (boilerplate: proposes no pair).
    shared = [tuple(sk[:1]) + (7, 7) + tuple(sk[3:]) if i < 40 and len(sk) > 1 else sk
              for i, sk in enumerate(family)]
    monkeypatch.setattr(dedup, "_MAX_BUCKET", 60)
    shared = [sk[:5] + (9, 9) + sk[7:] if len(sk) > 1 and i % 3 == 0 else sk for i, sk in enumerate(shared)]
    named = {f"d{i:03d}": sk for i, sk in enumerate(shared)}
    expected = _groups_by_plain_loop(named)
    assert len(set(expected.values())) < len(named) - 100
    for block in (8192, 100, 7):
        monkeypatch.setattr(dedup, "_PAIR_BLOCK", block)
        assert cluster_sketches(named) == expected
        assert cluster_sketches({k: dedup.compact_sketch(v) for k, v in named.items()}) == expected
        pairs = [(a, b) for a, b, _ in dedup._sketch_candidates(shared)]
        assert len(pairs) == len(set(pairs))  # each pair once, however many bands it shares
        assert sorted(dedup._sketch_candidates(shared)) == sorted(dedup._sketch_candidates_loop(shared))
