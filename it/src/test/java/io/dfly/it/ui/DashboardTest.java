package io.dfly.it.ui;

import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.Http;
import io.dfly.it.harness.OriginServer;
import io.dfly.it.harness.TestSecrets;
import io.dfly.it.registry.Procs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.HasAuthentication;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.UsernameAndPassword;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dashboard at {@code /ui/} in a real headless Chromium (Debian's {@code chromium} + {@code chromium-driver},
 * driven by Selenium), against a real supernode and dfdaemon and a real origin: the operator logs in through
 * the browser's Basic prompt (answered over CDP), the page shows a task dfget just downloaded, then follows a
 * slow download's progress by itself; outsiders get 401; task text is never parsed as HTML.
 */
class DashboardTest {
    private static final long MIB = 1L << 20;
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Pattern PIECES = Pattern.compile("(\\d+)/(\\d+) pieces");
    @TempDir
    static Path tmp;
    private static OriginServer origin;
    private static DflyNode supernode;
    private static DflyNode dfdaemon;
    private static ChromeDriverService driverService;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("DashboardTest needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): apt-get install chromium chromium-driver (.ci/run installs them)");
        }
        origin = new OriginServer();
        supernode = DflyNode.supernode(Map.of());
        dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.supernodes", supernode.hostPort()));
        supernode.start();
        dfdaemon.start();
        driverService = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(tmp.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1024",
                        "--user-data-dir=" + tmp.resolve("chromium-profile"));
        browser = new ChromeDriver(driverService, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        // the operator answers the Basic prompt: any user name, the operator token as password
        ((HasAuthentication) browser).register(uri -> uri.getPort() == supernode.port(),
                UsernameAndPassword.of("operator", TestSecrets.operatorToken()));
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            if (driverService != null) {
                driverService.stop();
            }
            Procs.closeAll(dfdaemon, supernode, origin);
        }
    }

    private static String ui() {
        return supernode.baseUrl() + "/ui/";
    }

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString(("anyone:" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void withoutTheTokenThePageAndItsDataAre401WithABasicChallenge() throws Exception {
        for (String path : List.of("/ui/", "/ui", "/ui/dashboard.js", "/ui/index.html", "/api/v1/dashboard")) {
            for (String auth : new String[]{null, basic("wrong-token"), "Bearer wrong-token"}) {
                HttpResponse<String> r = Http.send("GET", supernode.baseUrl() + path, null, auth);
                assertEquals(401, r.statusCode(), path + " with " + auth + ": " + r.body());
                assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm=\"dfly"), path);
                assertFalse(r.body().contains("dflyDashboard") || r.body().contains("<html"), r.body());
            }
        }
        HttpResponse<String> page = Http.send("GET", ui(), null, basic(TestSecrets.operatorToken()));
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), csp);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        HttpResponse<String> noSlash = Http.send("GET", supernode.baseUrl() + "/ui", null, TestSecrets.operatorAuthorization());
        assertEquals(303, noSlash.statusCode());
        assertEquals("/ui/", URI.create(noSlash.headers().firstValue("Location").orElseThrow()).getPath());
        for (String other : List.of("/ui/WEB-INF%2Fweb.xml", "/ui/..%2FWEB-INF%2Fbeans.xml", "/ui/secret.txt")) {
            HttpResponse<String> r = Http.send("GET", supernode.baseUrl() + other, null, TestSecrets.operatorAuthorization());
            assertTrue(r.statusCode() == 404 || r.statusCode() == 400, other + ": " + r.statusCode());
            assertFalse(r.body().contains("<beans") || r.body().contains("<web-app"), r.body());
        }
        HttpResponse<String> json = Http.send("GET", supernode.baseUrl() + "/api/v1/dashboard", null, basic(TestSecrets.operatorToken()));
        assertEquals(200, json.statusCode(), json.body());
        assertTrue(json.body().contains("\"members\""), json.body());
    }

    @Test
    void showsTheTaskJustDownloadedAndFollowsASlowDownloadsProgress() throws Exception {
        // a finished download, fetched with a signed-looking query string: the page names it without the query
        String quickUrl = origin.serveRandom("/ui/quick.bin", tmp, 6 * MIB);
        Dfget quickGet = dfget(quickUrl + "?Signature=not-for-the-page&Expires=1", "quick.bin");
        assertEquals(0, quickGet.await(Duration.ofSeconds(120)), () -> "dfget failed:\n" + quickGet.output() + "\n" + dfdaemon.tail(30));

        browser.get(ui());
        WebElement quick = awaitTask(quickUrl, Duration.ofSeconds(20));
        assertTrue(quick.findElement(By.cssSelector("td.state")).getText().equals("SUCCESS"), quick.getText());
        assertTrue(quick.getText().contains("2/2 pieces"), quick.getText());
        assertFalse(browser.getPageSource().contains("not-for-the-page"), "no query string on the page");
        assertEquals(1, browser.findElements(By.cssSelector("#members tr.member")).size(), "the cluster's member is listed");

        // a slow origin: the page, left alone, shows the supernode's copy growing piece by piece
        origin.throttle(3 * MIB);
        String slowUrl = origin.serveRandom("/ui/slow.bin", tmp, 16 * MIB); // 4 pieces, about 5 s
        Dfget slow = dfget(slowUrl, "slow.bin");
        int refreshesBefore = refreshes();
        Set<String> seen = new LinkedHashSet<>();
        List<Integer> seeded = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        String state = "";
        String peerSeen = null;
        while (System.nanoTime() < deadline) {
            Optional<WebElement> row = taskRow(slowUrl);
            if (row.isPresent()) {
                try {
                    String text = row.get().findElement(By.cssSelector("td.progress")).getText();
                    state = row.get().findElement(By.cssSelector("td.state")).getText();
                    Matcher m = PIECES.matcher(text);
                    if (m.find() && seen.add(text)) {
                        seeded.add(Integer.parseInt(m.group(1)));
                    }
                    String id = row.get().getAttribute("data-task-id");
                    for (WebElement peer : browser.findElements(By.cssSelector("tr.peers[data-task-id='" + id + "'] span.peer"))) {
                        peerSeen = peer.getText();
                    }
                    if (state.equals("SUCCESS") && text.contains("4/4 pieces")) {
                        break;
                    }
                } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
                    // the page redrew the table meanwhile: read it again
                }
            }
            Thread.sleep(200);
        }
        System.out.println("DashboardTest: the page showed the slow task's supernode copy as " + seen + ", then " + state
                + "; peer: " + peerSeen);
        // what an operator sees, for the record (it/target/dashboard.png)
        Files.write(Path.of("target", "dashboard.png"),
                browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
        int slowExit = slow.await(Duration.ofSeconds(60));
        origin.throttle(0);
        assertEquals(0, slowExit, slow::output);
        assertEquals("SUCCESS", state, "seen: " + seen);
        assertTrue(seen.size() >= 2, "the progress moved on the page by itself: " + seen);
        for (int i = 1; i < seeded.size(); i++) {
            assertTrue(seeded.get(i) >= seeded.get(i - 1), "progress never goes back: " + seen);
        }
        assertEquals(4, seeded.get(seeded.size() - 1), "seen: " + seen);
        assertTrue(refreshes() > refreshesBefore + 1, "the page refreshed itself");
        assertTrue(peerSeen != null && PIECES.matcher(peerSeen).find(), "the dfdaemon was listed as the task's peer: " + peerSeen);
        assertTrue(browser.findElement(By.id("status")).getAttribute("class").equals("status"),
                browser.findElement(By.id("status")).getText());
    }

    @Test
    void taskTextIsNeverParsedAsHtml() throws Exception {
        browser.get(ui());
        awaitRefreshes(1);
        String evil = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(
                "var e = arguments[0];"
                        + "window.dflyDashboard.render({generatedAtMillis: Date.now(), answeredBy: e,"
                        + " members: [{id: e, address: e, local: true}],"
                        + " totals: {tasks: 1, tasksShown: 1, activeTasks: 1, peers: 1, bytesFromPeers: 1, bytesFromSupernodes: 1},"
                        + " thisMember: {originBytes: 1, servedBytes: 1, pieceFailures: e, originRetries: e},"
                        + " tasks: [{taskId: e, name: e, status: e, contentLength: 1, pieceCount: 2, seededPieces: 1,"
                        + "   peerCount: 1, completedPeers: 0, peers: [{id: e, pieces: 1, complete: false, failures: 0}], seeds: 1,"
                        + "   bytesFromPeers: 1, bytesFromSupernodes: 1, active: true, lastAccessMillis: Date.now()}],"
                        + " failures: [{atMillis: Date.now(), kind: e, taskId: e, name: e, detail: e}]});"
                        + "return {elements: document.querySelectorAll('main img, main script').length,"
                        + " name: document.querySelector('#tasks tr.task td.name').textContent,"
                        + " failure: document.querySelector('#failures tr.failure').textContent,"
                        + " member: document.querySelector('#members tr.member td').textContent};", evil);
        assertEquals(0L, out.get("elements"), "no element was made from task text: " + out);
        assertEquals(evil, out.get("name"), "shown as text, exactly");
        assertEquals(evil, out.get("member"));
        assertTrue(((String) out.get("failure")).contains(evil), out.toString());
        Thread.sleep(500);
        assertEquals(null, ((JavascriptExecutor) browser).executeScript("return window.__xss === undefined ? null : window.__xss;"));
    }

    // ---- helpers

    /** A dfget process and where its output goes. */
    private record Dfget(Process process, Path log) {
        /** Waits for it; returns its exit code (-1 if it did not end in time). */
        int await(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                return -1;
            }
            return process.exitValue();
        }

        String output() {
            try {
                return Files.readString(log);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        }
    }

    /** Starts the real dfget jar against the dfdaemon, writing {@code outName} under the temp dir. */
    private static Dfget dfget(String url, String outName) throws Exception {
        String root = System.getProperty("dfly.project.root");
        Path base = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
        Path log = Files.createTempFile(tmp, "dfget", ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-jar", base.resolve("dfget/target/dfget.jar").toString(), "--dfdaemon", dfdaemon.hostPort(),
                "-u", url, "-o", tmp.resolve(outName).toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // this host is enrolled: dfget finds the cluster secret as the README says (here through the environment)
        pb.environment().put("DFLY_SECURITY_CLUSTER_SECRET_FILE", TestSecrets.secretFile().toString());
        return new Dfget(pb.start(), log);
    }

    /** The task row the page shows for {@code name} (its URL without the query string), if any. */
    private static Optional<WebElement> taskRow(String name) {
        for (WebElement row : browser.findElements(By.cssSelector("#tasks tr.task"))) {
            try {
                if (row.findElement(By.cssSelector("td.name")).getText().equals(name)) {
                    return Optional.of(row);
                }
            } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static WebElement awaitTask(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<WebElement> row = taskRow(name);
            if (row.isPresent()) {
                return row.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the page never showed " + name + "; it shows:\n" + browser.findElement(By.tagName("body")).getText());
    }

    private static int refreshes() {
        Object n = ((JavascriptExecutor) browser).executeScript("return document.body.dataset.refreshes || '0';");
        return Integer.parseInt(String.valueOf(n));
    }

    private static void awaitRefreshes(int n) throws InterruptedException {
        awaitCondition(() -> refreshes() >= n, Duration.ofSeconds(20), "the page never loaded its data: "
                + browser.findElement(By.id("status")).getText());
    }

    private static void awaitCondition(Supplier<Boolean> ok, Duration timeout, String message) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ok.get()) {
                return;
            }
            Thread.sleep(100);
        }
        fail(message);
    }
}
