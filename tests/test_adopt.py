"""`drafter adopt`: editors' changes in Word written back into the templates. The sample draft is
edited as editors do (reword, reorder clauses, add a sentence with a new number, delete a
paragraph and a figure, a new paragraph, an edit inside a conditional wording), adopted, and
built again."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from reading import read_paragraphs

from drafter.cli import main
from drafter.review.scan import control_id
from drafter.word.manifest import read_manifest

SECTIONS = "templates/sections"


class Editor:
    """The draft opened in "Word": paragraphs found by their opening words."""

    def __init__(self, draft: Path):
        self.doc = docx.Document(str(draft))

    def para(self, start: str):
        from drafter.word.oxml import paragraph_text

        return next(p for p in self.doc.element.body.iter(qn("w:p")) if paragraph_text(p).startswith(start))

    def segments(self, p) -> list:
        """The paragraph as text pieces and figure controls, in order."""
        out: list = []
        for child in p:
            if child.tag == qn("w:r"):
                text = "".join(t.text or "" for t in child.iter(qn("w:t")))
                if out and isinstance(out[-1], str):
                    out[-1] += text
                else:
                    out.append(text)
            elif child.tag == qn("w:sdt"):
                out.append(child)
        return out

    def rebuild(self, p, pieces: list) -> None:
        """Write the paragraph again from pieces: text as plain runs, controls as they were."""
        model = next(p.iter(qn("w:r")))
        rpr = model.find(qn("w:rPr"))
        for child in [c for c in p if c.tag != qn("w:pPr")]:
            p.remove(child)
        for piece in pieces:
            if isinstance(piece, str):
                r = OxmlElement("w:r")
                if rpr is not None:
                    r.append(copy.deepcopy(rpr))
                t = OxmlElement("w:t")
                t.text = piece
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                r.append(t)
                p.append(r)
            else:
                p.append(piece)

    def replace(self, start: str, old: str, new: str) -> None:
        p = self.para(start)
        pieces = [s.replace(old, new, 1) if isinstance(s, str) and old in s else s for s in self.segments(p)]
        assert pieces != self.segments(p) or old == new, f"{old!r} not in a text run of {start!r}"
        self.rebuild(p, pieces)

    def save(self, path: Path) -> Path:
        self.doc.save(str(path))
        return path


def edit_like_editors(draft: Path, target: Path) -> tuple[Path, dict[str, str]]:
    e = Editor(draft)
    # 1. reword
    e.replace("1.深入学习贯彻习近平法治思想", "组织局党委成员认真学习", "组织局党委成员系统学习")
    # 2. reword a heading that prints {{ year }}
    e.replace("一、2025年推进法治政府建设", "主要举措和工作成效", "主要举措和成效")
    # 3. reorder two clauses, each with its figure
    p = e.para("4.持续加强进博会保障")
    s = e.segments(p)
    head = s[0].split("累计出动执法人员")[0]
    e.rebuild(p, [head + "调集各类安全管理人员", s[3], "人次，累计出动执法人员", s[1], *s[4:]])
    # 4. add a sentence with a new number
    e.replace("7.提升应急管理综合行政执法质效", "提高执法精准度。", "提高执法精准度。全年开展联合执法演练12次。")
    # 5. delete a paragraph
    gone = e.para("2.拧紧应急管理法治建设责任链条")
    gone.getparent().remove(gone)
    # 6. delete a figure with its words
    p = e.para("18.持续推进安全监管模式创新")
    s = e.segments(p)
    k = next(i for i, x in enumerate(s) if isinstance(x, str) and x.endswith("“首违不罚”"))
    e.rebuild(p, [*s[:k], "起" + s[k + 2][1:], *s[k + 3 :]])
    # 7. edit inside a conditional wording (全部完成整改 is the {% if %} branch the data chose)
    e.replace("6.落实安全生产领域专项行动", "全部完成整改", "已全部整改到位")
    # 7b. edit outside the conditional wording of another line that holds one
    e.replace("12.优化调整防汛指挥体系", "制定完成本区防汛专项指挥体系方案", "制定并完成本区防汛专项指挥体系方案")
    # 8. a new paragraph after paragraph 3.
    anchor = e.para("3.发挥领导干部领学促学作用")
    new = copy.deepcopy(anchor)
    anchor.addnext(new)
    e.rebuild(new, ["同时组织2025年度法治培训3期，参训干部210人次。"])
    # 9. reword the opening
    e.replace("按照《法治政府建设实施纲要", "我局及时总结", "我局认真总结")
    # 10. reword the closing part
    e.replace("1.执法人员专业能力不足", "业务知识体系不全面", "业务知识结构不够全面")
    path = e.save(target)
    return path, {}


@pytest.fixture
def edited(sample_project_copy, tmp_path):
    draft = sample_project_copy.parent / "draft-2025.docx"
    from drafter import build

    draft = build(sample_project_copy, output=tmp_path / "fresh.docx").path
    path, _ = edit_like_editors(draft, tmp_path / "edited.docx")
    return sample_project_copy, draft, path


def test_adopt_writes_the_edits_back_and_the_rebuilt_text_is_the_edited_text(edited, tmp_path):
    config, _draft, path = edited
    sections = config.parent / SECTIONS
    before = {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()}
    runner = CliRunner()
    dry = runner.invoke(main, ["adopt", str(path), "-c", str(config), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "-1.深入学习贯彻习近平法治思想。组织局党委成员认真学习" in dry.output
    assert "+1.深入学习贯彻习近平法治思想。组织局党委成员系统学习" in dry.output
    assert {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()} == before  # dry run writes nothing

    done = runner.invoke(main, ["adopt", str(path), "-c", str(config)])
    assert done.exit_code == 0, done.output
    assert "未写回 templates/sections/1-主要举措和工作成效.txt:11：改动落在条件措辞或循环之内" in done.output
    assert "全部完成整改；" in done.output and "已全部整改到位；" in done.output  # both texts reported
    assert "原模板已备份到" in done.output
    text = (sections / "1-主要举措和工作成效.txt").read_text(encoding="utf-8")
    assert "一、{{ year }}年推进法治政府建设的主要举措和成效" in text
    assert (
        "调集各类安全管理人员{{ ciie.safety_manager_trips }}人次，累计出动执法人员{{ ciie.officer_trips | approx(100) }}人次"
        in text
    )
    assert '全年开展联合执法演练{{ unbound("12", "次") }}。' in text
    assert "2.拧紧应急管理法治建设责任链条" not in text
    assert (
        "依法不予立案{{ penalty_waivers.non_filing }}起，减免处罚金额{{ penalty_waivers.waived_amount | wan_yuan }}；"
        in text
    )
    assert '同时组织{{ period.label }}法治培训{{ unbound("3", "期") }}，参训干部{{ unbound("210", "人次") }}。' in text
    assert "其中重大事故隐患{{ hazard_screening.major }}处，{% if" in text  # the refused edit is not written
    [line19] = [t for t in text.split("\n") if t.startswith("12.优化调整防汛指挥体系")]
    assert "制定并完成本区防汛专项指挥体系方案" in line19 and "{% if" in line19  # its conditional kept

    again = runner.invoke(main, ["adopt", str(path), "-c", str(config)])
    assert "模板没有需要改的地方" in again.output  # idempotent
    after_once = {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()}

    from drafter import build

    rebuilt = build(config, output=tmp_path / "rebuilt.docx")
    assert {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()} == after_once
    new_text = [re.sub(r"【待绑定：([^】]*)】", r"\1", t) for t in read_paragraphs(rebuilt.path)]
    edited_text = read_paragraphs(path)
    refused = [t for t in edited_text if t.startswith("6.落实安全生产领域专项行动")]
    assert [t for t in new_text if not t.startswith("6.落实")] == [t for t in edited_text if t not in refused]
    manifest = read_manifest(docx.Document(str(rebuilt.path)))
    traced = [f for f in manifest.figures if not f.placeholder]
    assert len(traced) == 83  # every figure still comes from its query (one was deleted)
    placeholders = [f for f in manifest.figures if f.placeholder]
    assert sorted(f.text for f in placeholders) == sorted(
        ["【待绑定：12次】", "【待绑定：3期】", "【待绑定：210人次】"]
    )


def test_a_draft_without_the_record_is_refused(sample_draft, sample_project, tmp_path):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    d = docx.Document(str(sample_draft))
    for rel_id, rel in list(d.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML:
            del d.part.rels[rel_id]
    d.save(str(tmp_path / "plain.docx"))
    result = CliRunner().invoke(main, ["adopt", str(tmp_path / "plain.docx"), "-c", str(sample_project)])
    assert result.exit_code == 2
    assert "没有记录各段来自哪个模板行" in result.output


def test_a_control_kept_in_place_keeps_its_tag_and_unused_ids_are_unknown(sample_draft):
    ids = [control_id(s) for s in docx.Document(str(sample_draft)).element.body.iter(qn("w:sdt"))]
    assert ids and all(i and i.startswith("f") for i in ids)


def test_a_draft_that_names_a_file_outside_the_templates_writes_nothing(edited, tmp_path):
    """A manifest is part of an uploaded file: the paths it names are checked, not trusted."""
    from drafter.word.manifest import write_manifest

    config, _, path = edited
    d = docx.Document(str(path))
    manifest = read_manifest(d)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    for p in manifest.paragraphs:
        if p.template.endswith("0-开头.txt"):
            p.template = "../outside.txt"
    manifest.templates["../outside.txt"] = "keep\n"
    for rel_id, rel in list(d.part.rels.items()):
        if rel.reltype.endswith("/customXml"):
            del d.part.rels[rel_id]
    write_manifest(d, manifest)
    d.save(str(tmp_path / "hostile.docx"))
    result = CliRunner().invoke(main, ["adopt", str(tmp_path / "hostile.docx"), "-c", str(config)])
    assert "草稿记录的模板不是本项目的正文模板" in result.output
    assert outside.read_text(encoding="utf-8") == "keep\n"


def test_edits_in_a_table_and_a_loop_are_reported_not_written(tmp_path):
    """The bulletin: a table cell and a sentence a loop wrote are edited; a plain line too."""
    import shutil

    from drafter import build

    project = tmp_path / "bulletin"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "bulletin", project)
    draft = build(project / "config.yaml", output=tmp_path / "d.docx").path
    d = docx.Document(str(draft))
    table = next(d.element.body.iter(qn("w:tbl")))
    next(t for t in table.iter(qn("w:t")) if t.text == "临江分局").text = "临江区分局"
    from drafter.word.oxml import paragraph_text

    ranking = next(p for p in d.element.body.iter(qn("w:p")) if paragraph_text(p).startswith("按计划完成率排名"))
    next(t for t in ranking.iter(qn("w:t")) if t.text == "临江分局").text = "临江区分局"  # inside the loop
    for t in d.element.body.iter(qn("w:t")):
        if t.text and "检出率偏低的分局" in t.text:  # after the loop, on its line
            t.text = t.text.replace("检出率偏低的分局", "检出率较低的分局")
        if t.text and "逐月排定检查任务" in t.text:
            t.text = t.text.replace("逐月排定检查任务", "逐周排定检查任务")
    d.save(str(tmp_path / "e.docx"))
    sections = project / "templates" / "sections"
    loop_file = (sections / "2-各分局情况.txt").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["adopt", str(tmp_path / "e.docx"), "-c", str(project / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert (
        "未写回 表1：表格中的改动不写回模板\n  原文：临江分局 | 99 | 126 | 127.3% | 2\n  改后：临江区分局 |"
        in result.output
    )
    assert "未写回 templates/sections/2-各分局情况.txt:3：" in result.output
    assert "改后：按计划完成率排名，依次为清河分局（134.2%）、临江区分局（127.3%）" in result.output
    lines = (sections / "2-各分局情况.txt").read_text(encoding="utf-8").split("\n")
    assert lines[2] == loop_file.split("\n")[2]  # the loop's own line: not written
    assert lines[14] == loop_file.split("\n")[14].replace("检出率偏低的分局", "检出率较低的分局")  # loop kept
    assert "逐周排定检查任务" in (sections / "4-工作要求.txt").read_text(encoding="utf-8")
