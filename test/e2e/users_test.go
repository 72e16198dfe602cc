package e2e

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// hashPassword runs `honeygate user hash` with pw on stdin.
func hashPassword(t *testing.T, pw string) string {
	t.Helper()
	cmd := exec.Command(honeygateBin, "user", "hash")
	cmd.Stdin = strings.NewReader(pw + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("user hash: %v", err)
	}
	h := strings.TrimSpace(string(out))
	if !strings.HasPrefix(h, "$2a$12$") {
		t.Fatalf("user hash printed %q, want a bcrypt hash of cost 12", h)
	}
	return h
}

// signInUser fills the sign-in form's user and password fields.
func signInUser(base, user, pw string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("who")),
	}
}

// Configured users sign in with a name and password in a real browser: an
// admin's change is audited under her name; a read-only user sees no forms
// and a forged change is refused; repeated failures are limited.
func TestDashboardUsers(t *testing.T) {
	chromium(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "honeygate.yaml")
	yaml := "web:\n  users:\n" +
		"    - name: alice\n      password_hash: \"" + hashPassword(t, "alice-e2e-password") + "\"\n" +
		"    - name: rob\n      password_hash: \"" + hashPassword(t, "rob-e2e-password") + "\"\n      role: read-only\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg, code := runCLI(t, nil, "validate", "--config", cfg); code != 0 {
		t.Fatalf("validate: %d %s", code, msg)
	}
	srv := startServer(t, filepath.Join(dir, "data"), append([]string{"--config", cfg}, defaultListen...)...)
	base := "http://" + srv.addrs["web"][0]

	ctx, consoleErrors := browser(t)
	// alice adds an indicator through the intel form.
	if err := chromedp.Do(ctx, signInUser(base, "alice", "alice-e2e-password")...); err != nil {
		t.Fatalf("alice signs in: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/intel"),
		chromedp.WaitReady(chromedp.ID("intel-add")),
		chromedp.Click(chromedp.CSS("details.add summary")),
		chromedp.SendKeys(chromedp.CSS(`#intel-add input[name="value"]`), "alice-e2e.example"),
		chromedp.Submit(chromedp.CSS(`#intel-add input[name="value"]`)),
		chromedp.WaitVisible(chromedp.ID("changes")),
	); err != nil {
		t.Fatalf("alice adds an indicator: %v", err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("who")))
	if err != nil || strings.TrimSpace(who) != "alice" {
		t.Errorf("signed in as %q (%v), want alice", who, err)
	}
	changes, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("changes")))
	if !strings.Contains(changes, "alice") || !strings.Contains(changes, "alice-e2e.example") {
		t.Errorf("recent changes: %q", changes)
	}
	screenshot(t, ctx, "intel-alice")
	var audit struct {
		Changes []struct{ User, Action, Target string }
	}
	if code := srv.get("/api/v1/audit", nil, testToken, &audit); code != 200 || len(audit.Changes) != 1 ||
		audit.Changes[0].User != "alice" || audit.Changes[0].Action != "intel.add" || audit.Changes[0].Target != "domain alice-e2e.example" {
		t.Errorf("audit: %d %+v", code, audit.Changes)
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}

	// rob (read-only), in a fresh browser: no forms; a forged change with
	// his session's CSRF token is refused.
	ctx2, _ := browser(t)
	if err := chromedp.Do(ctx2, append(signInUser(base, "rob", "rob-e2e-password"), chromedp.Navigate(base+"/intel"), chromedp.WaitVisible(chromedp.ID("who")))...); err != nil {
		t.Fatalf("rob: %v", err)
	}
	forms, err := chromedp.Run(ctx2, chromedp.Evaluate[int](`document.querySelectorAll('#intel-add, form[action="/intel"][method="post"]').length`))
	if err != nil || forms != 0 {
		t.Errorf("read-only intel page has %d change forms (%v)", forms, err)
	}
	screenshot(t, ctx2, "intel-readonly")
	status, err := chromedp.Run(ctx2, chromedp.Evaluate[int](`(() => {
		const x = new XMLHttpRequest();
		x.open('POST', '/intel', false);
		x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
		x.send('csrf=' + encodeURIComponent(document.querySelector('input[name=csrf]').value) + '&op=add&type=domain&value=rob.example&category=malware');
		return x.status;
	})()`))
	if err != nil || status != http.StatusForbidden {
		t.Errorf("rob's forged change: %d (%v), want 403", status, err)
	}
	if code := srv.get("/api/v1/audit", nil, testToken, &audit); code != 200 || len(audit.Changes) != 1 {
		t.Errorf("audit after rob: %+v", audit.Changes)
	}

	// Failed sign-ins: after five wrong passwords for alice, her right
	// password is refused too (429) for a while from that address, and
	// only from that address: a guesser cannot lock her out everywhere.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)
	tryFrom := func(c *http.Client, pw string) int {
		res, err := c.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := csrf.FindSubmatch(b)
		if m == nil {
			t.Fatalf("no csrf in the sign-in form")
		}
		res, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "user": {"alice"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	try := func(pw string) int { return tryFrom(c, pw) }
	for i := range 5 {
		if code := try("wrong-" + string(rune('a'+i))); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	if code := try("alice-e2e-password"); code != http.StatusTooManyRequests {
		t.Errorf("alice's right password after 5 failures: %d, want 429", code)
	}
	other, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	elsewhere := &http.Client{Jar: other, Transport: &http.Transport{DialContext: d.DialContext}}
	if code := tryFrom(elsewhere, "alice-e2e-password"); code != http.StatusOK {
		t.Errorf("alice's right password from another address after 5 failures from one: %d, want 200", code)
	}
}
