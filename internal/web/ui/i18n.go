package ui

import (
	"sort"
	"strconv"
	"strings"
)

// lang picks "ja" or "en" from Accept-Language: the first of the two by
// the browser's preference (q values), English when neither is listed.
func lang(accept string) string {
	type pref struct {
		tag string
		q   float64
		i   int
	}
	var ps []pref
	for i, part := range strings.Split(accept, ",") {
		if i > 32 { // a header is attacker-sized; 32 preferences are plenty
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		ps = append(ps, pref{base, q, i})
	}
	sort.SliceStable(ps, func(a, b int) bool { return ps[a].q > ps[b].q })
	for _, p := range ps {
		if p.q > 0 && (p.tag == "ja" || p.tag == "en") {
			return p.tag
		}
	}
	return "en"
}

// labels holds every label of the pages in English and Japanese.
var labels = map[string][2]string{ // key -> {en, ja}
	"app":            {"honeygate", "honeygate"},
	"overview":       {"Overview", "概要"},
	"tampering":      {"Tampering", "改ざん"},
	"blocks":         {"Blocks", "遮断"},
	"honeypot":       {"Honeypot", "ハニーポット"},
	"intel":          {"Intel", "脅威情報"},
	"watch":          {"Watch list", "監視リスト"},
	"signin":         {"Sign in", "サインイン"},
	"signout":        {"Sign out", "サインアウト"},
	"token":          {"API token", "APIトークン"},
	"badtoken":       {"That token is not right.", "トークンが正しくありません。"},
	"csrf":           {"The form expired; please try again.", "フォームの有効期限が切れました。もう一度お試しください。"},
	"today":          {"Today", "今日"},
	"yesterday":      {"vs. yesterday", "前日比"},
	"last30":         {"Last 30 days", "過去30日間"},
	"sessions":       {"Honeypot sessions", "ハニーポットのセッション"},
	"sources":        {"Attacking addresses", "攻撃元アドレス"},
	"newpayloads":    {"New payload URLs", "新しいペイロードURL"},
	"blocked":        {"Blocked accesses", "遮断したアクセス"},
	"tampered":       {"Tampered sites", "改ざんされたサイト"},
	"byfamily":       {"Sessions per day by family", "ファミリー別の日次セッション数"},
	"byport":         {"Sessions per day by port", "ポート別の日次セッション数"},
	"family":         {"Family", "ファミリー"},
	"port":           {"Port", "ポート"},
	"total":          {"Total", "合計"},
	"recent":         {"Recent sessions", "最近のセッション"},
	"time":           {"Time", "時刻"},
	"source":         {"Source", "送信元"},
	"sensor":         {"Sensor", "センサー"},
	"session":        {"Session", "セッション"},
	"transcript":     {"Transcript", "記録"},
	"replay":         {"Replay as typed", "入力どおりに再生"},
	"credentials":    {"Credentials tried", "試行された認証情報"},
	"commands":       {"Commands", "コマンド"},
	"downloads":      {"Payload URLs", "ペイロードURL"},
	"user":           {"Username", "ユーザー名"},
	"password":       {"Password", "パスワード"},
	"result":         {"Result", "結果"},
	"ok":             {"accepted", "成功"},
	"failed":         {"rejected", "失敗"},
	"attention":      {"Needs attention", "要対応"},
	"nodata":         {"Nothing recorded yet.", "まだ記録がありません。"},
	"nosessions":     {"No honeypot sessions in this period. Sessions appear here when attackers connect to a sensor (telnet, ssh, ...).", "この期間のセッションはありません。攻撃者がセンサー（telnet、sshなど）に接続すると表示されます。"},
	"pendTamper":     {"No tampering data in this build. The matrix fills when the client honeypot (crawler) records captures and verdicts for watched sites.", "このビルドには改ざんデータがありません。クライアントハニーポットが監視サイトのキャプチャと判定を記録すると表示されます。"},
	"pendBlocks":     {"No block data in this build. Bars fill when the gateway (proxy, DNS filter) records gateway.block events.", "このビルドには遮断データがありません。ゲートウェイ（プロキシ、DNSフィルタ）が遮断を記録すると表示されます。"},
	"pendIntel":      {"No intel store in this build. Indicators appear here when the intel component derives them from downloads and crawl verdicts.", "このビルドには脅威情報ストアがありません。ダウンロードやクロール判定から指標が作られると表示されます。"},
	"pendWatch":      {"No watch list in this build. Sites appear here when the client honeypot is configured to crawl them.", "このビルドには監視リストがありません。クライアントハニーポットの巡回対象サイトがここに表示されます。"},
	"pendAttn":       {"Nothing flagged. New campaigns, newly persistent sites and infected hosts seen by the gateway are listed here when those components record them.", "該当なし。新しいキャンペーン、継続的な改ざんサイト、ゲートウェイが検知した感染ホストがここに表示されます。"},
	"live":           {"new events since this page loaded", "件の新しいイベント（再読み込みで表示）"},
	"reload":         {"Reload", "再読み込み"},
	"notfound":       {"Not found.", "見つかりません。"},
	"refused":        {"Not accepted", "受け付けられません"},
	"notfoundpage":   {"Page not found", "ページが見つかりません"},
	"refusedinput":   {"This input was not accepted.", "この入力は受け付けられません。"},
	"back":           {"Back", "戻る"},
	"baddate":        {"Dates are written YYYY-MM-DD.", "日付は YYYY-MM-DD 形式で指定してください。"},
	"badperiod":      {"The period must run forwards and span at most 366 days.", "期間は開始日から終了日の順で、最長366日です。"},
	"badsearch":      {"A search field is too long, or the type is unknown.", "検索欄が長すぎるか、種別が不明です。"},
	"intelrefused":   {"The intel refused this indicator:", "この指標は登録できません:"},
	"alreadywatched": {"This site is already on the watch list.", "このサイトはすでに監視リストにあります。"},
	"ended":          {"ended", "終了"},
	"open":           {"still open", "継続中"},
	"reasons":        {"Why this family", "判定理由"},
	"nocreds":        {"No login attempts recorded in this period.", "この期間のログイン試行はありません。"},
	"nopayloads":     {"No payload URLs recorded in this period.", "この期間のペイロードURLはありません。"},
	"firstseen":      {"First seen", "初回"},
	"lastseen":       {"Last seen", "最終"},
	"count":          {"Count", "回数"},
	"url":            {"URL", "URL"},
	"period":         {"Period", "期間"},
	"from":           {"From", "開始"},
	"to":             {"To", "終了"},
	"show":           {"Show", "表示"},
	"blocksperday":   {"Blocked accesses per day, by category", "日別の遮断数（カテゴリ別）"},
	"topdomains":     {"Top blocked domains", "遮断の多いドメイン"},
	"topclients":     {"Top clients", "遮断の多いクライアント"},
	"bycategory":     {"By category", "カテゴリ別"},
	"clients":        {"Clients", "クライアント"},
	"client":         {"Client", "クライアント"},
	"blockhost":      {"Host", "ホスト"},
	"matchind":       {"Matching indicator", "一致した指標"}, // the block page's words
	"enforcedby":     {"Enforced by", "判定した箇所"},
	"noblocks":       {"No blocks in this period. Bars fill when the gateway (proxy, DNS filter) blocks an access.", "この期間の遮断はありません。ゲートウェイ（プロキシ、DNSフィルタ）が遮断すると表示されます。"},
	"value":          {"Value", "値"},
	"type":           {"Type", "種別"},
	"category":       {"Category", "カテゴリ"},
	"isource":        {"Source", "情報源"},
	"search":         {"Search", "検索"},
	"addind":         {"Add an indicator or allowlist entry", "指標または許可リストの追加"},
	"add":            {"Add", "追加"},
	"expiresdays":    {"Expires in days (0: never)", "有効期限（日数、0は無期限）"},
	"expires":        {"Expires", "有効期限"},
	"expire":         {"Expire now", "今すぐ失効"},
	"evidence":       {"Evidence", "根拠"},
	"added":          {"Indicator saved.", "指標を保存しました。"},
	"expired":        {"Indicator expired.", "指標を失効させました。"},
	"noind":          {"No indicators match. Indicators come from honeypot downloads, crawl verdicts, feeds, and what analysts add here.", "該当する指標はありません。指標はハニーポットのダウンロード、クロール判定、フィード、ここでの追加から作られます。"},
	"sitefilter":     {"Site", "サイト"},
	"nosites":        {"No watched sites, or none match. Add sites on the watch list; the client honeypot visits them daily and each visit fills a cell.", "監視サイトがない、または一致しません。監視リストに追加すると毎日巡回され、結果がセルに表示されます。"},
	"malicious":      {"tampered", "改ざん"},
	"suspicious":     {"suspicious", "疑わしい"},
	"error":          {"error", "エラー"},
	"clean":          {"clean", "正常"},
	// A capture's own verdict, in the words the API and the CLI use (the
	// matrix legend above says "tampered" for the site).
	"v:malicious":    {"malicious", "悪性"},
	"v:suspicious":   {"suspicious", "疑わしい"},
	"v:clean":        {"clean", "正常"},
	"v:error":        {"error", "エラー"},
	"detector":       {"Detector", "検知器"},
	"eventkind":      {"Kind", "種類"},
	"rule":           {"Rule", "ルール"},
	"score":          {"Score", "スコア"},
	"notvisited":     {"not visited", "未巡回"},
	"persistent":     {"Persistent sites", "継続的な改ざん"},
	"persistentwhy":  {"Tampered on several consecutive days: the site owner has not cleaned it up.", "連続した複数日に改ざんを検知：サイト管理者が未対応です。"},
	"campaigns":      {"Campaigns", "キャンペーン"},
	"campaignwhy":    {"Days on which several sites carried the same injected thing: one attacker at work.", "同じ日に複数のサイトに同じ注入物：同一攻撃者による活動です。"},
	"none":           {"None.", "なし。"},
	"day":            {"Day", "日付"},
	"indicatorcol":   {"Shared indicator", "共通の指標"},
	"sitescol":       {"Sites", "サイト"},
	"capture":        {"Capture", "キャプチャ"},
	"verdict":        {"Verdict", "判定"},
	"finalurl":       {"Final URL", "最終URL"},
	"reasonsh":       {"Detector evidence", "検知の根拠"},
	"redirects":      {"Redirect chain", "リダイレクト経路"},
	"resources":      {"Loaded resources", "読み込まれたリソース"},
	"sitename":       {"Name", "名前"},
	"lastcapture":    {"Last capture", "最新のキャプチャ"},
	"remove":         {"Remove", "削除"},
	"siteadded":      {"Site added.", "サイトを追加しました。"},
	"siteremoved":    {"Site removed.", "サイトを削除しました。"},
	"nowatch":        {"The watch list is empty. Add a site to have the client honeypot visit it every day.", "監視リストは空です。サイトを追加すると毎日巡回されます。"},
	"campaign":       {"Campaign", "キャンペーン"},
	"persistentsite": {"Persistently tampered", "継続的な改ざん"},
	"infected":       {"Infected host", "感染ホスト"},
	"lookedup":       {"asked for the kill switch", "がキルスイッチを照会"},
	"enf:dns":        {"DNS filter", "DNSフィルタ"},
	"enf:proxy":      {"proxy", "プロキシ"},
	"listsep":        {", ", "、"},
	"times":          {" times", "回"},
	"last":           {"last", "最終"},
	"blockref":       {"Block reference", "遮断の参照ID"},
	"srcbyfamily":    {"Distinct attacking addresses per day by family", "ファミリー別の日次攻撃元アドレス数"},
	"srcbyport":      {"Distinct attacking addresses per day by port", "ポート別の日次攻撃元アドレス数"},
	"internal":       {"Something went wrong; see the server log.", "エラーが発生しました。サーバーログを確認してください。"},
	"orsignin":       {"or sign in with a user", "またはユーザーでサインイン"},
	"badpassword":    {"That user name or password is not right.", "ユーザー名またはパスワードが正しくありません。"},
	"toomany":        {"Too many failed sign-ins from this address; try again later.", "このアドレスからのサインインの失敗が多すぎます。しばらくしてからお試しください。"},
	"crowded":        {"Wrong credentials. Many addresses are failing to sign in, so failures are answered slowly; a right credential still signs in.", "認証情報が違います。多数のアドレスからサインインの失敗が続いているため、失敗の応答を遅らせています。正しい認証情報ならサインインできます。"},
	"userslowed":     {"This user name failed many times from many addresses; try again later, or from an address you signed in from before.", "このユーザー名は多数のアドレスから失敗が続いています。しばらくしてから、または以前サインインしたアドレスからお試しください。"},
	"readonly":       {"Your account is read-only: it cannot change this.", "このアカウントは閲覧専用のため変更できません。"},
	"readonlynote":   {"read-only", "閲覧専用"},
	"changes":        {"Recent changes", "最近の変更"},
	"who":            {"Who", "誰が"},
	"action":         {"Change", "変更"},
	"when":           {"When", "日時"},
	"screenshot":     {"Screenshot", "スクリーンショット"},
	// Chart units (report.Unit*): what the y axis counts.
	"unit:sessions":  {"sessions", "セッション数"},
	"unit:addresses": {"addresses", "アドレス数"},
	"unit:blocks":    {"blocks", "遮断数"},
	// Chart layers the charts name themselves (report.OtherCategory,
	// report.Uncategorized, the families past the largest): the legend's
	// words; the data keep the key.
	"series:other":         {"other", "その他"},
	"series:uncategorized": {"uncategorized", "未分類"},
}

// label returns the label key in language l (the key itself if unknown, so
// a missing label shows up in review rather than as an empty string).
func label(l, key string) string {
	v, ok := labels[key]
	if !ok {
		return key
	}
	if l == "ja" {
		return v[1]
	}
	return v[0]
}
