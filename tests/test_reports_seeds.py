"""The five seed reports, pinned down talk by talk (the parser's acceptance test).

Expected titles, names and organisations are facts of the reports; the report text itself
is read from ../shared/seeds and never copied here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from store.decoding import decode_report
from store.reports import ParsedReport, parse_report


def _parse(seeds_dir: Path, prefix: str) -> ParsedReport:
    path = next(seeds_dir.glob(f"{prefix}_*"))
    return parse_report(decode_report(path.read_bytes()), source=str(path))


# (title, speakers, handles, affiliations, has_notes); None = not checked
SEED_000 = [
    ("セキュリティ関連", ["Ian Lewis"], [], ["Google"], True),
    ("Performance and Scale @ Istio Service Mesh", [], [], ["CyberAgent"], True),
    ("SIG API Machinery Deep Dive", ["Aya Igarashi"], ["@ladicle"], ["Z Lab"], True),
    ("Continuous Delivery Meets Custom Kubernetes Controller: A Declarative Configuration "
     "Approach", ["nasa9084"], [], ["日本仮想化技術株式会社"], True),
    ("Kubernetes Multi-Cluster Operations without Federation", ["Junichi Yoshise"],
     ["@jyoshise"], ["Hewlett Packard Enterprise"], True),
    ("Blackholes and Wormholes: Understand and Troubleshoot the “Magic” of Kubernetes "
     "Networking", ["Hirofumi Ichihara"], ["@rafiror"], ["NTT"], True),
    ("Multi-Tenancy in Kubernetes: Best Practices Today, and Future Directions",
     ["Fujita Daisuke"], [], ["Mercari"], True),
    ("Kubernetes Contributor Summit", ["tnir"], [], [], False),
    ("Rancher2.0でkubernetes", ["cyberblack28"], [], [], False),
    ("Helmfile", ["mumoshu"], [], [], False),
    ("Microservices Development using Telepresence", ["vishaljayn"], [], [], False),
    ("Kubernetesにおける最高の認証フローを本気で考え直してみた", ["potsbo"], [], [], False),
]

SEED_001 = [
    ("Opening", ["Akihiro Hasegawa"], [], [], True),
    ("CNCF Just Now", ["Noriaki Fukuyasu"], [], ["The Linux Foundation"], True),
    ("Collaboration Without Boundaries", ["Mark Collier"], [], ["OpenStack Foundation"], True),
    ("Performing Infrastructure Migrations at Scale", ["Melanie Cebula"], [], ["Airbnb"], True),
    ("The 10 new rules of open source infrastructure", ["Stephan Fabel"], [],
     ["Canonical Ltd."], True),
    ("Demand Less Choices!", ["Doug Davis"], [], ["IBM"], True),
    ("Kubernetes クラスタのポータビリティを保つための8原則", [], [], [], True),
    ("Kubernetesクラスタの自動管理システムのつくりかた", [], [], [], True),
    ("Kubernetes拡張を利用した自作Autoscalerで実現するストレスフリーな運用の世界", [], [], [], True),
    ("adtech studioにおける CRD 〜抽象化したGPUaaSによる段階移行計画 & AKE Ingress v2~",
     [], [], [], True),
    ("Operatorでどう変わる?これからのデータベース運用", [], [], [], True),
    ("Prometheus setup with long term storage", [], [], [], True),
    # The day-2 keynote block: five keynotes, each a bare title line, three of them followed
    # by a line saying who speaks.
    ("楽天モバイル 完全仮想化クラウド型モバイルネットワーク", [], [], [], True),
    ("決済システムの内製化への旅", [], [], ["SB Payment Service"], True),
    ("金融領域におけるOpenStack導入事例の紹介", [], [], ["YJFX (Yahoo Group)"], True),
    ("Change the game, Change the world", ["北山"], [], ["RedHat"], True),
    ("OpenStackを用いたパブリッククラウドの国内事例と課題", [], [], [], True),
    ("実録!CloudNativeを目指した230日", [], [], [], True),
    ("Rancherで実現するKubernetes Everywhere", [], [], [], True),
    ("クラウドネイティブ技術を創る技術", [], [], [], True),
    ("あなたのk8sは大丈夫?k8sでできるセキュリティ対策", [], [], [], True),
    ("[ライブコーディング]Custom ResourceとControllerを作ろう", [], [], [], True),
]

SEED_002 = [
    ("Open Service Broker APIとKubernetes Service Catalog", ["Toshiaki Maki"], ["@making"],
     ["Pivotal"], True),
    ("Kubernetesセキュリティベストプラクティス", ["Ian Lewis"], [], ["Google"], True),
    ("Debugging Applications in Kubernetes", ["Takashi Kusumi"], [], ["Z Lab"], True),
    ("『入門Kubernetes』の紹介", ["@dblmkt"], ["@dblmkt"], [], True),
    ("猫でもわかる Pod Preemption", ["@y_taka_23"], ["@y_taka_23"], [], True),
    ("Amazon Container Services", ["@riywo"], ["@riywo"], [], True),
    ("other ingress voyager", ["@gavinzhm"], ["@gavinzhm"], [], True),
    ("DockerでHelmを使おう", ["@ShoutaYoshikai"], ["@ShoutaYoshikai"], [], True),
]

SEED_003 = [
    ("KubeCon + CloudNativeCon Europe 2019 Overview", ["@hatotaka"], ["@hatotaka"], [], True),
    ("5G Orchestration in Serverless & Managing Edge Computing with Serverles", ["@yoshikai_"],
     ["@yoshikai_"], [], True),
    ("Modern CI/CD with Tekton and Prow Automated via Jenkins X", ["@jyoshise"], ["@jyoshise"],
     [], True),
    ("Kubectl Apply 2019: Defense Against the Dark Arts", ["@inductor"], ["@inductor"], [], True),
    ("Resize Your Pods w/o Disruptions... & Restart-Free Vertical Scaling...", ["@shmurata"],
     ["@shmurata"], [], True),
    ("Container Runtime", ["@IanMLewis"], ["@IanMLewis"], [], True),
]

SEED_004 = [
    ("Technical Vision for Kubernetes", ["Brian Grant"], [], ["Google"], True),
    ("Security Through the Ages", [], [], [], True),
    ("State of Networking", ["Tim Hockin"], [], ["Google"], True),
    ("オープニング", [], [], [], True),
    ("CRDs Aren’t Just for Add-Ons Anymore", ["Tim Hockin"], [], ["Google"], True),
    ("Real-time Vision Processing on Kubernetes", [], [], [], True),
    ("Using Kubernetes to Offer Scalable Deep Learning on Alibaba Cloud", [], [], [], True),
    ("Deep Dive: Network Service Mesh BoF", [], [], [], True),
    ("Container Security and Multi-Tenancy Tales from Kata and Nabla",
     ["Ricard Aravena", "James Bottomley"], [], [], True),
]

EVENTS = {
    "000": ("Kubernetes Meetup Tokyo #11", None, SEED_000),
    "001": ("CloudNative Days Tokyo 2019 / OpenStack Days Tokyo 2019", dt.date(2019, 7, 23),
            SEED_001),
    "002": ("Kubernetes Meetup Tokyo #10", dt.date(2018, 3, 8), SEED_002),
    "003": ("Kubernetes Meetup Tokyo #20", dt.date(2019, 6, 18), SEED_003),
    "004": ("Kubernetes Contributors Summit KubeCon + CloudNativeCon North America 2018",
            dt.date(2018, 12, 10), SEED_004),
}


@pytest.mark.parametrize("prefix", sorted(EVENTS))
def test_parse_report_seed_event(seeds_dir: Path, prefix: str) -> None:
    name, date, _talks = EVENTS[prefix]
    report = _parse(seeds_dir, prefix)
    assert report.event.name == name
    assert report.event.date == date


@pytest.mark.parametrize("prefix", sorted(EVENTS))
def test_parse_report_seed_titles_exact(seeds_dir: Path, prefix: str) -> None:
    expected = [t[0] for t in EVENTS[prefix][2]]
    assert [t.title for t in _parse(seeds_dir, prefix).talks] == expected


@pytest.mark.parametrize("prefix", sorted(EVENTS))
def test_parse_report_seed_people_and_notes(seeds_dir: Path, prefix: str) -> None:
    talks = {t.title: t for t in _parse(seeds_dir, prefix).talks}
    for title, speakers, handles, affiliations, has_notes in EVENTS[prefix][2]:
        talk = talks[title]
        assert (talk.speakers, talk.handles, talk.affiliations) == (
            speakers, handles, affiliations), title
        assert talk.has_notes is has_notes, title
        if has_notes:
            assert talk.notes.strip() and talk.summary.strip(), title
            assert len(talk.summary) <= 310, title
        else:
            assert talk.notes == "" and talk.summary == "", title


def test_parse_report_seed_venue_and_urls(seeds_dir: Path) -> None:
    assert _parse(seeds_dir, "004").event.venue == "Washington State Convention Center"
    assert _parse(seeds_dir, "002").event.url == "https://k8sjp.connpass.com/event/76816/"
    assert _parse(seeds_dir, "001").event.url == "https://cloudnativedays.jp/cndt2019/"
    talks = {t.title: t for t in _parse(seeds_dir, "001").talks}
    gpu = next(t for title, t in talks.items() if title.startswith("adtech studio"))
    assert gpu.url and gpu.url.startswith("https://speakerdeck.com/")
    assert gpu.session_code == "1B2-2"


def test_parse_report_seed_notes_are_clean(seeds_dir: Path) -> None:
    """Site chrome, image names and Markdown markup never reach the notes."""
    chrome = ("LoginSignup", "Last updated", "Register as a new user", "comments powered by",
              "image.png", ".jpg", "What you can do with signing up", "####", "```")
    for prefix in EVENTS:
        for talk in _parse(seeds_dir, prefix).talks:
            for word in chrome:
                assert word not in talk.notes, (prefix, talk.title, word)


def test_parse_report_seed_glued_heading_is_not_notes(seeds_dir: Path) -> None:
    """A talk heading that page formatting glued into the previous talk's bullets."""
    talks = _parse(seeds_dir, "000").talks
    multi = next(t for t in talks if t.title.startswith("Kubernetes Multi-Cluster"))
    assert "Blackholes" not in multi.notes
    assert "iptables" in next(t for t in talks if t.title.startswith("Blackholes")).notes


def test_parse_report_seed_keynote_subtalks_split(seeds_dir: Path) -> None:
    talks = _parse(seeds_dir, "001").talks
    titles = [t.title for t in talks]
    assert "Keynote" not in titles  # the day-1 block is split into its talks
    opening = talks[titles.index("Opening")]
    assert "CNCF Just Now" not in opening.notes
    # The day-2 block is split too: no talk of its own, and each keynote keeps its own notes.
    assert "キーノート" not in titles
    first = talks[titles.index("決済システムの内製化への旅")]
    assert "Pivotal Cloud Foundry" in first.notes and "OpenStack" not in first.notes
    assert "SB Payment Service" not in first.notes  # the speaker line is not a note
