package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.Datasets;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live view in a real headless browser (Debian's chromium through chromedriver, which {@code .ci/run} installs;
 * skipped with a message where neither can be found): a server process with {@code --http-port 0} and two client
 * processes train; the page must show both clients and the charts; one client is killed with SIGKILL, and the page,
 * the metrics and the server's console must each say so. The page's screenshot is written to
 * target/status-page.png (the one in docs/ comes from this test).
 */
final class StatusPageBrowserTest {
  private static final Path WORK = Path.of("target", "status-page");
  private static final Path DATA = Path.of("target", "test-data");
  private static final List<String> RUN = List.of("--data-dir", DATA.toString(), "--samples", "600", "--clients", "2",
      "--encoder", "scratch", "--epochs", "40", "--width", "32", "--depth", "2", "--client-batch", "5");
  private final CliProcesses processes = new CliProcesses(WORK);
  private WebDriver browser;

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    processes.close();
  }

  @Test
  @Timeout(300)
  void statusPage_showsClientsChartsAndADroppedClient() throws Exception {
    Path chromium = firstExisting(System.getenv("MPSL4J_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser");
    Path driver = firstExisting(System.getenv("MPSL4J_CHROMEDRIVER"), "/usr/bin/chromedriver");
    Assumptions.assumeTrue(chromium != null && driver != null, "skipped: no chromium and chromedriver found"
        + " (Debian: apt-get install chromium chromium-driver; or set MPSL4J_CHROMIUM and MPSL4J_CHROMEDRIVER)");
    Files.createDirectories(WORK);
    Datasets.prepare("mnist", DATA, DataOptions.builder().optSeed(2024).optMaxSamplesPerSplit(600).build(), System.out);

    List<String> serverArgs = new ArrayList<>(List.of("server", "--port", "0", "--host", "127.0.0.1", "--http-port",
        "0", "--out", WORK.resolve("results").toString()));
    serverArgs.addAll(RUN);
    Path serverData = WORK.resolve("server-data");
    assertThat(Main.commandLine().execute("server-data", "--data-dir", DATA.toString(), "--samples", "600", "--out",
        serverData.toString())).isZero();
    serverArgs.addAll(List.of("--server-data", serverData.toString()));
    Process server = processes.start("server", serverArgs);
    int port = processes.awaitPort("server", server);
    int http = statusPort();
    List<Process> clients = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      List<String> a = new ArrayList<>(List.of("client", "--index", String.valueOf(i), "--server", "127.0.0.1:" + port));
      a.addAll(RUN);
      clients.add(processes.start("client-" + i, a));
    }

    browser = chrome(chromium, driver);
    browser.get("http://127.0.0.1:" + http + "/");
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(120));
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    wait.until(b -> rows(b).size() == 2 && rows(b).stream().allMatch(r -> r.contains("connected"))
        && b.findElement(By.id("summary")).getText().startsWith("training") && stepsCharted(b) >= 20);
    assertThat(browser.findElements(By.cssSelector(".uplot canvas"))).hasSize(3);

    clients.get(1).destroyForcibly(); // SIGKILL: no goodbye on the wire
    wait.until(b -> rows(b).stream().anyMatch(r -> r.startsWith("client-1") && r.contains("disconnected")));
    wait.until(b -> b.findElement(By.id("events")).getText().contains("client-1 dropped"));
    long before = stepsCharted(browser);
    wait.until(b -> stepsCharted(b) > before + 10); // the other client trains on
    Files.write(WORK.resolve("status-page.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    Files.copy(WORK.resolve("status-page.png"), Path.of("target", "status-page.png"),
        StandardCopyOption.REPLACE_EXISTING);

    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("mpsl4j_clients_connected 1.0", "mpsl4j_client_drops_total{client=\"client-1\"} 1.0",
        "mpsl4j_step_seconds_bucket", "mpsl4j_client_bytes_up_total{client=\"client-0\"}");
    assertThat(Files.readString(WORK.resolve("server.err"))).contains("mpsl4j server: client-0 joined",
        "mpsl4j server: client-1 dropped: connection lost");
  }

  /** The port of the "status page on http://host:port/" line. */
  private int statusPort() throws Exception {
    Pattern line = Pattern.compile("status page on http://[^:]+:(\\d+)/");
    Matcher m = line.matcher(Files.readString(WORK.resolve("server.out")));
    assertThat(m.find()).as(processes.log("server")).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** The client table's rows as text, read in one script (the page rebuilds the table every 2 s). */
  @SuppressWarnings("unchecked")
  private static List<String> rows(WebDriver b) {
    return (List<String>) ((JavascriptExecutor) b).executeScript(
        "return [...document.querySelectorAll('#clients tbody tr')].map(r => r.innerText)");
  }

  private static long stepsCharted(WebDriver b) {
    Object n = ((JavascriptExecutor) b).executeScript(
        "return fetch('/status.json').then(r => r.json()).then(s => s.steps.step.length)");
    return ((Number) n).longValue();
  }

  private static WebDriver chrome(Path chromium, Path driver) throws Exception {
    ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile());
    // The flags that work on these machines (no sandbox as root, no network: background services would hang).
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1250",
        "--user-data-dir=" + Files.createTempDirectory("mpsl4j-chromium"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  private static Path firstExisting(String... candidates) {
    for (String c : candidates) {
      if (c != null && !c.isBlank() && Files.isExecutable(Path.of(c))) {
        return Path.of(c);
      }
    }
    return null;
  }
}
