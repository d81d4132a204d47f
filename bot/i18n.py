"""The bot's labels in Japanese and English, and which of the two a reply uses."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ja", "en"]
LANGUAGES: tuple[Lang, ...] = ("ja", "en")


def normalise_language(value: str | None) -> Lang | None:
    """`BOT_LANGUAGE` as a language, or None (each user's own); unknown values mean None."""
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("en", "english"):
        return "en"
    if v in ("ja", "jp", "japanese"):
        return "ja"
    return None


def language_of_locale(locale: str | None) -> Lang | None:
    """A Slack locale (`ja-JP`, `en-US`, `fr-FR` …) as a label language: ja* is Japanese,
    every other locale English (the one other language the labels have); None when unknown."""
    if not locale or not locale.strip():
        return None
    return "ja" if locale.strip().lower().startswith("ja") else "en"


def choose_language(setting: str | None, locale: str | None = None) -> Lang:
    """The language of one answer: the workspace's `BOT_LANGUAGE`, else the user's Slack
    locale, else Japanese. What the user typed never decides it: a Japanese team asks about
    "gVisor" too."""
    return normalise_language(setting) or language_of_locale(locale) or "ja"


LABELS: dict[Lang, dict[str, str]] = {
    "ja": {
        "results_header": "「{query}」の検索結果",
        "speaker_header": "{name} さんのトーク",
        "results_count": "{total} 件中 {first}–{last} 件目",
        "no_results": "「{query}」に合うトークは見つかりませんでした。",
        "no_speaker": "「{name}」さんのトークは見つかりませんでした。",
        "did_you_mean": "もしかして: {words}",
        "try_examples": "例: `/meetup kubernetes` `/meetup speaker Ian Lewis` `/meetup events`",
        "more": "次の結果",
        "share": "チャンネルに共有",
        "shared_by": "<@{user}> さんが共有しました",
        "speakers": "登壇者",
        "event": "イベント",
        "date_unknown": "日付不明",
        "no_notes": "メモはまだ書かれていません",
        "source": "出典",
        "link": "リンク",
        "talk_header": "トーク #{id}",
        "talk_not_found": "ID {id} のトークはありません。`/meetup events` で一覧を見られます。",
        "talk_gone": "このトーク(ID {id})はもうストアにありません。元のレポートが削除されました。",
        "store_empty": "ストアにはまだトークがありません。`meetup-bot import` でレポートを取り込んでください。",
        "events_none": "「{named}」に当てはまるイベントはありません。`/meetup events` で全イベントを見られます。",
        "not_a_query": "「{query}」では検索できません。話題・登壇者・イベント名などで聞いてください。",
        "talk_bad_id": "`/meetup talk` の後にトークの番号を付けてください(例: `/meetup talk 12`)。",
        "speaker_missing": "`/meetup speaker` の後に名前を付けてください(例: `/meetup speaker Ian Lewis`)。",
        "events_header": "イベント一覧(新しい順)",
        "events_empty": "まだイベントがありません。`meetup-bot import` でレポートを取り込んでください。",
        "events_more": "ほか {count} 件",
        "talks_count": "{count} 件のトーク",
        "help_header": "meetup-bot の使い方",
        "help_body": (
            "*`/meetup キーワード`* — キーワードに合うトークを探します\n"
            "*`/meetup speaker 名前`* — 登壇者のトーク\n"
            "*`/meetup talk 番号`* — 1 件のトークの詳細\n"
            "*`/meetup events`* — イベント一覧\n"
            "*`/meetup week`* — 今週のトーク\n"
            "*`/meetup subscribe [トピック] [CRON]`* / *`/meetup unsubscribe`* — このチャンネルへの週次配信 (トピックで絞り込み可)\n"
            "*`/meetup add URL`* — レポートのページを確認して取り込み(ファイルは DM で送信)\n"
            "*`/meetup help`* — このヘルプ\n"
            "チャンネルで <@{bot}> にメンションしても答えます(スレッドで返信)。"
        ),
        "help_mention_fallback": "ボット",
        "digest_not_ready": (
            "週次の「今週のトーク」配信はまだ準備中です。"
            "`/meetup キーワード` でトークを探せます。"
        ),
        "week_none": "今週のトークはまだ選ばれていません。",
        "week_header": "今週のトーク",
        "home_header": "meetup-bot",
        "home_latest": "最近のイベント",
        "home_week": "今週のトーク",
        "home_howto": "使い方",
        "share_failed": "このチャンネルには投稿できませんでした。ボットをチャンネルに招待してください。",
        "error": "ごめんなさい、うまく答えられませんでした。少し待ってからもう一度試してください。",
        "query_cut": "(長すぎる検索語は先頭 {limit} 文字だけを使いました)",
        "cut_notice": "… ほかは省略しました",
        "page_end": "これ以上の結果はありません。",
        "untitled": "(タイトルなし)",
    },
    "en": {
        "results_header": "Talks matching “{query}”",
        "speaker_header": "Talks by {name}",
        "results_count": "{first}–{last} of {total}",
        "no_results": "No talk matches “{query}”.",
        "no_speaker": "No talks by “{name}”.",
        "did_you_mean": "Did you mean: {words}",
        "try_examples": "Try `/meetup kubernetes`, `/meetup speaker Ian Lewis` or `/meetup events`.",
        "more": "More",
        "share": "Share",
        "shared_by": "Shared by <@{user}>",
        "speakers": "Speakers",
        "event": "Event",
        "date_unknown": "date unknown",
        "no_notes": "notes not written",
        "source": "Source",
        "link": "link",
        "talk_header": "Talk #{id}",
        "talk_not_found": "There is no talk {id}. `/meetup events` lists what there is.",
        "talk_gone": "Talk {id} is no longer in the store: the report it came from was removed.",
        "store_empty": "The store is empty: run `meetup-bot import` to bring in reports.",
        "events_none": "No event matches “{named}”. `/meetup events` lists them all.",
        "not_a_query": "“{query}” is not something to search for: ask about a topic, a speaker or an event.",
        "talk_bad_id": "Give `/meetup talk` a talk number, for example `/meetup talk 12`.",
        "speaker_missing": "Give `/meetup speaker` a name, for example `/meetup speaker Ian Lewis`.",
        "events_header": "Events, newest first",
        "events_empty": "No events yet: import reports with `meetup-bot import`.",
        "events_more": "and {count} more",
        "talks_count": "{count} talks",
        "help_header": "How to use meetup-bot",
        "help_body": (
            "*`/meetup WORDS`* — talks matching the words\n"
            "*`/meetup speaker NAME`* — talks by a speaker\n"
            "*`/meetup talk ID`* — one talk in full\n"
            "*`/meetup events`* — the events, newest first\n"
            "*`/meetup week`* — the talk of the week\n"
            "*`/meetup subscribe [TOPIC] [CRON]`* / *`/meetup unsubscribe`* — the weekly digest here, optionally on a topic\n"
            "*`/meetup add URL`* — preview a report page and import it (or DM me a file)\n"
            "*`/meetup help`* — this help\n"
            "Mention <@{bot}> in a channel and it answers in a thread."
        ),
        "help_mention_fallback": "the bot",
        "digest_not_ready": (
            "The weekly “talk of the week” digest is not set up yet. "
            "`/meetup WORDS` finds talks meanwhile."
        ),
        "week_none": "No talk of the week has been picked yet.",
        "week_header": "Talk of the week",
        "home_header": "meetup-bot",
        "home_latest": "Latest events",
        "home_week": "Talk of the week",
        "home_howto": "How to use it",
        "share_failed": "I could not post in this channel: invite the bot to it first.",
        "error": "Sorry, I could not answer that. Please try again in a moment.",
        "query_cut": "(the query was too long: only its first {limit} characters were used)",
        "cut_notice": "… the rest was left out",
        "page_end": "There are no more results.",
        "untitled": "(untitled)",
    },
}


def t(lang: Lang, key: str, **values: object) -> str:
    """The label `key` in `lang`, with `values` filled in."""
    text = LABELS[lang][key]
    return text.format(**values) if values else text


# Labels of the weekly digest (bot.digest), kept together.
LABELS["ja"].update({
    "related_header": "同じテーマのトーク",
    "sub_done": "このチャンネルに「今週のトーク」を届けます: `{cron}` ({tz})。次回は {next}。",
    "sub_changed": "配信スケジュールを `{cron}` ({tz}) に変えました。次回は {next}。",
    "sub_same": "このチャンネルはすでに登録済みです: `{cron}` ({tz})。次回は {next}。",
    "sub_bad": "そのスケジュールは使えません: {reason}。crontab の5項目で指定してください"
               "(例: `/meetup subscribe 0 9 * * mon` で毎週月曜 9:00)。",
    "sub_failing": "⚠️ 前回の配信は失敗しました ({reason})。ボットをこのチャンネルに招待してください。",
    "sub_where": "チャンネルの中で `/meetup subscribe` を実行してください。",
    "unsub_done": "このチャンネルへの「今週のトーク」の配信を止めました。",
    "unsub_none": "このチャンネルは配信を登録していません。`/meetup subscribe` で登録できます。",
    "week_no_talk": "メモのあるトークがまだありません。`meetup-bot import` でレポートを取り込んでください。",
    "home_subs": "配信先: {channels}",
    "week_in_channel": "{channel} の今週のトーク",
    "week_no_channels": ("まだどのチャンネルも「今週のトーク」を登録していません。"
                         "チャンネルで `/meetup subscribe` を実行すると毎週届きます。"),
    "week_more_channels": "ほか {count} チャンネル",
    "home_sub_failing": "{channel} への配信が失敗しています ({reason})",
    "home_sub_unconfirmed": ("{channel} への {date} の配信は、届いたかどうか確かめられませんでした"
                             " ({reason})。二重に投稿しないよう再送はしていません。"
                             "チャンネルを確認してください。"),
    "sched_tz": "タイムゾーン「{tz}」は使えません",
    "sched_count": "crontab は5項目(分 時 日 月 曜日)ですが、{count} 項目でした",
    "sched_field": "{field}の項目「{value}」が正しくありません。{field}に書けるのは {allowed} です",
    "sched_never": "このスケジュールでは一度も配信されません",
    "sched_too_often": ("このスケジュールでは1時間に {count} 回配信されます。配信は1時間に1回まで"
                        "なので、分の項目には数を1つだけ書いてください"),
    "cron_minute": "分",
    "cron_hour": "時",
    "cron_day": "日",
    "cron_month": "月",
    "cron_day_of_week": "曜日",
    "cron_allowed_minute": "0〜59",
    "cron_allowed_hour": "0〜23",
    "cron_allowed_day": "1〜31",
    "cron_allowed_month": "1〜12 または jan〜dec",
    "cron_allowed_day_of_week": "0〜7(0 と 7 は日曜)または sun〜sat",
})
LABELS["en"].update({
    "related_header": "Related talks",
    "sub_done": "This channel will get the talk of the week: `{cron}` ({tz}). Next: {next}.",
    "sub_changed": "The digest schedule is now `{cron}` ({tz}). Next: {next}.",
    "sub_same": "This channel is already subscribed: `{cron}` ({tz}). Next: {next}.",
    "sub_bad": "That schedule cannot be used: {reason}. Give five crontab fields "
               "(e.g. `/meetup subscribe 0 9 * * mon` for Mondays 09:00).",
    "sub_failing": "⚠️ The last digest failed ({reason}). Please invite the bot to this channel.",
    "sub_where": "Run `/meetup subscribe` inside a channel.",
    "unsub_done": "This channel will no longer get the talk of the week.",
    "unsub_none": "This channel is not subscribed. `/meetup subscribe` subscribes it.",
    "week_no_talk": "There are no talks with notes yet: import reports with `meetup-bot import`.",
    "home_subs": "Digest channels: {channels}",
    "week_in_channel": "Talk of the week in {channel}",
    "week_no_channels": ("No channel gets the talk of the week yet: run `/meetup subscribe` "
                         "in a channel to get one every week."),
    "week_more_channels": "and {count} more channels",
    "home_sub_failing": "The digest to {channel} is failing ({reason})",
    "home_sub_unconfirmed": ("The {date} digest to {channel} may or may not have been posted "
                             "({reason}); it was not sent again, so that nothing is posted "
                             "twice. Please check the channel."),
    "sched_tz": "“{tz}” is not a time zone",
    "sched_count": "a schedule has five fields (minute hour day month weekday), not {count}",
    "sched_field": "the {field} field “{value}” is not valid: the {field} takes {allowed}",
    "sched_never": "this schedule never fires",
    "sched_too_often": ("this schedule would post {count} times an hour; a digest goes out at "
                        "most once an hour, so give the minute field a single number"),
    "cron_minute": "minute",
    "cron_hour": "hour",
    "cron_day": "day of month",
    "cron_month": "month",
    "cron_day_of_week": "weekday",
    "cron_allowed_minute": "0–59",
    "cron_allowed_hour": "0–23",
    "cron_allowed_day": "1–31",
    "cron_allowed_month": "1–12 or jan–dec",
    "cron_allowed_day_of_week": "0–7 (0 and 7 are Sunday) or sun–sat",
})

# Labels of adding reports from Slack (bot.adding), kept together.
LABELS["ja"].update({
    "add_usage": "`/meetup add URL` でレポートのページを取り込めます(例: `/meetup add https://example.com/report`)。Markdown・テキスト・HTML のファイルをボットに DM で送っても取り込めます。",
    "add_not_allowed": "レポートを追加できるのは {who} です。",
    "add_who_everyone": "誰でも",
    "add_who_list": "次のメンバー: {who}",
    "add_preview_header": "取り込みの確認",
    "add_preview_event": "*イベント:* {event}({date})",
    "add_preview_talks": "*トーク {count} 件:*",
    "add_preview_more": "… ほか {count} 件",
    "add_preview_source": "出典: {source}",
    "add_preview_warnings": "⚠️ 注意: {warnings}",
    "add_import": "取り込む",
    "add_cancel": "やめる",
    "add_undo": "元に戻す",
    "add_imported": "✅ 取り込みました: *{event}*({date})、トーク {count} 件。出典: {source}",
    "add_unchanged": "このレポートは取り込み済みで、変更はありません: *{event}*。",
    "add_cancelled": "取り込みをやめました。何も保存していません。",
    "add_undone": "取り込みを取り消しました: {source}",
    "add_undo_none": "このレポートはもうストアにありません。",
    "add_undo_changed": ("{source} はこのあと別の版が取り込まれたため、取り消しませんでした。"),
    "add_restored": "取り込みを取り消し、{source} を以前の版 ({event}) に戻しました。",
    "add_gone": "この確認は期限切れか、すでに処理されています。もう一度 `/meetup add` してください。",
    "add_not_yours": "この取り込みを確定できるのは依頼した <@{user}> さんだけです。",
    "add_no_speaker": "登壇者不明",
    "add_error": "取り込めませんでした: {reason}",
    "add_failed": "ごめんなさい、取り込みに失敗しました。少し待ってからもう一度試してください。",
    "home_adders": "レポートを追加できる人: {who}",
    # why a page or file could not be read, by store.fetch / store.remote error code
    "why_fetch_failed": "ページを取得できませんでした",
    "why_bad_url": "`http://` か `https://` で始まる URL を指定してください",
    "why_url_too_long": "URL が長すぎます(1000 文字まで)。短い URL を指定してください",
    "why_blocked_address": "社内・ローカルのアドレスのページは取得しません(管理者が `IMPORT_ALLOW_HOSTS` で許可できます)",
    "why_metadata_address": "クラウドのメタデータアドレスは取得しません",
    "why_too_many_redirects": "リダイレクトが多すぎます(5 回まで)",
    "why_too_large": "ページが大きすぎます(5 MB まで)",
    "why_timeout": "ページが時間内(10 秒)に届きませんでした",
    "why_wrong_type": "HTML・Markdown・テキストのページではありません",
    "why_not_found": "ページが見つかりません(404)",
    "why_login_required": "ログインが必要なページです",
    "why_http_error": "サーバーがエラーを返しました({status})",
    "why_unreachable": "サーバーに接続できませんでした",
    "why_undecodable": "文字コードを読めないか、テキストではありません",
    "why_not_a_report": "トークが見つかりません。レポートのページではないようです",
    "why_login_page": "ログインページが表示されました。公開されているページを指定してください",
    "why_unreadable": "レポートとして読めませんでした",
    "why_file_type": "取り込めるのは `.md` / `.markdown` / `.txt` / `.html` のファイルです",
    "why_file_binary": "テキストのファイルではありません",
    "why_file_missing": "ファイルを取得できませんでした",
})
LABELS["en"].update({
    "add_usage": "`/meetup add URL` imports a report page (e.g. `/meetup add https://example.com/report`). You can also send the bot a Markdown, text or HTML file in a DM.",
    "add_not_allowed": "Reports can be added by {who}.",
    "add_who_everyone": "everyone",
    "add_who_list": "these members: {who}",
    "add_preview_header": "Import this report?",
    "add_preview_event": "*Event:* {event} ({date})",
    "add_preview_talks": "*{count} talks:*",
    "add_preview_more": "… and {count} more",
    "add_preview_source": "Source: {source}",
    "add_preview_warnings": "⚠️ Check: {warnings}",
    "add_import": "Import",
    "add_cancel": "Cancel",
    "add_undo": "Undo",
    "add_imported": "✅ Imported *{event}* ({date}), {count} talks. Source: {source}",
    "add_unchanged": "This report is already in the store, unchanged: *{event}*.",
    "add_cancelled": "Cancelled: nothing was stored.",
    "add_undone": "Undone: the report {source} was removed.",
    "add_undo_none": "That report is no longer in the store.",
    "add_undo_changed": ("Not undone: another version of {source} was imported since."),
    "add_restored": "Undone: {source} is back to its earlier version ({event}).",
    "add_gone": "This preview has expired or was already handled. Run `/meetup add` again.",
    "add_not_yours": "Only <@{user}>, who asked for it, can confirm this import.",
    "add_no_speaker": "no speaker",
    "add_error": "Could not import it: {reason}",
    "add_failed": "Sorry, the import failed. Please try again in a moment.",
    "home_adders": "Who may add reports: {who}",
    "why_fetch_failed": "the page could not be fetched",
    "why_bad_url": "give a URL starting with `http://` or `https://`",
    "why_url_too_long": "the URL is too long (at most 1000 characters): give a shorter one",
    "why_blocked_address": "pages on internal or local addresses are not fetched (an admin can allow a host with `IMPORT_ALLOW_HOSTS`)",
    "why_metadata_address": "cloud metadata addresses are never fetched",
    "why_too_many_redirects": "too many redirects (at most 5)",
    "why_too_large": "the page is too large (at most 5 MB)",
    "why_timeout": "the page did not arrive in time (10 s)",
    "why_wrong_type": "it is not an HTML, Markdown or text page",
    "why_not_found": "no such page (404)",
    "why_login_required": "the page needs a login",
    "why_http_error": "the server answered with an error ({status})",
    "why_unreachable": "could not connect to the server",
    "why_undecodable": "it is not text, or in an encoding I cannot read",
    "why_not_a_report": "no talk found: this does not look like a report",
    "why_login_page": "a login page came back: give a page that is public",
    "why_unreadable": "it could not be read as a report",
    "why_file_type": "only `.md`, `.markdown`, `.txt` and `.html` files can be imported",
    "why_file_binary": "it is not a text file",
    "why_file_missing": "the file could not be downloaded",

})

# Labels of topic subscriptions and channel access (bot.digest), kept together.
LABELS["ja"].update({
    "sub_show": "このチャンネルは「今週のトーク」を受け取っています: `{cron}` ({tz})。次回は {next}。",
    "sub_topic": "トピック「{topic}」に合うトーク ({count} 件) から選びます。"
                 "すべてのトークに戻すには `/meetup subscribe all`。",
    "sub_all_topics": "すべてのトークから選びます。トピックを絞るには `/meetup subscribe トピック` "
                      "(例: `/meetup subscribe セキュリティ`)。",
    "sub_topic_none": "「{topic}」に合う、メモのあるトークがありません。登録は変えていません。",
    "sub_topic_try": "こちらはどうでしょう: {topics}",
    "sub_topic_long": "トピックが長すぎます ({limit} 文字まで)。",
    "sub_invite": "{channel} は非公開チャンネルで、ボットが参加していません。"
                  "そのチャンネルで `/invite @meetup-bot` を実行してください。",
    "home_sub_topic": "(トピック: {topic})",
})
LABELS["en"].update({
    "sub_show": "This channel gets the talk of the week: `{cron}` ({tz}). Next: {next}.",
    "sub_topic": "Only talks on “{topic}” ({count} talks). `/meetup subscribe all` goes back "
                 "to every talk.",
    "sub_all_topics": "Picked from every talk. To follow a topic: `/meetup subscribe TOPIC` "
                      "(e.g. `/meetup subscribe security`).",
    "sub_topic_none": "No talk with notes matches “{topic}”. The subscription is unchanged.",
    "sub_topic_try": "Try: {topics}",
    "sub_topic_long": "That topic is too long (at most {limit} characters).",
    "sub_invite": "{channel} is a private channel the bot is not in: run "
                  "`/invite @meetup-bot` there.",
    "home_sub_topic": "(topic: {topic})",
})
