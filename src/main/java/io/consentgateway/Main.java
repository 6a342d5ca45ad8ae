package io.consentgateway;

import io.consentgateway.actito.ActitoTableCheck;
import io.consentgateway.actito.CheckReport;
import io.consentgateway.app.Gateway;
import io.consentgateway.app.GatewayAssembly;
import io.consentgateway.config.IntegrationConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import io.consentgateway.config.ConfigException;
import io.consentgateway.config.ConfigLoader;
import io.consentgateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Command line: {@code java -jar consent-gateway.jar [run] [--config PATH]} starts the gateway;
 * {@code check} checks each integration's Actito table against the configuration and exits 0 or 1.
 * Exit codes: 0 after a graceful stop (SIGTERM/SIGINT), 1 when start-up fails, 2 for an invalid
 * configuration or command line.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    List<String> rest = new ArrayList<>(List.of(args));
    String command = !rest.isEmpty() && !rest.get(0).startsWith("-") ? rest.remove(0) : "run";
    Path configPath = Path.of("conf/gateway.yaml");
    for (int i = 0; i < rest.size(); i++) {
      if (rest.get(i).equals("--config") && i + 1 < rest.size()) {
        configPath = Path.of(rest.get(++i));
      } else {
        System.err.println("unknown argument: " + rest.get(i));
        return usage();
      }
    }
    GatewayConfig config;
    try {
      config = ConfigLoader.fromSystemEnvironment().load(configPath);
    } catch (ConfigException e) {
      // one line, whatever a value quoted in the message holds
      System.err.println("invalid configuration: " + e.getMessage().replaceAll("[\\r\\n]+", " "));
      return 2;
    }
    return switch (command) {
      case "run" -> serve(config);
      case "check" -> check(config);
      default -> usage();
    };
  }

  private static int usage() {
    System.err.println("usage: java -jar consent-gateway.jar [run|check] [--config conf/gateway.yaml]");
    return 2;
  }

  /** Checks every integration's Actito table against the configuration; 0 when all pass, else 1. */
  private static int check(GatewayConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      ActitoTableCheck check = GatewayAssembly.tableCheck(vertx, new SimpleMeterRegistry());
      List<CheckReport> reports = new ArrayList<>();
      for (IntegrationConfig integration : config.integrations()) {
        CheckReport report = check.run(integration).await(120, TimeUnit.SECONDS);
        System.out.println(report.render());
        reports.add(report);
      }
      return CheckReport.exitCode(reports);
    } catch (Exception e) {
      System.out.println("check failed: " + e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
  }

  private static int serve(GatewayConfig config) {
    Gateway gateway;
    try {
      gateway = Gateway.start(config);
    } catch (RuntimeException e) {
      log.error("consent-gateway failed to start: {}", e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // Our own handlers, not a shutdown hook, so a SIGTERM ends with exit code 0 after a clean stop.
    Signal.handle(new Signal("TERM"), signal -> stopInBackground(gateway, stopped));
    Signal.handle(new Signal("INT"), signal -> stopInBackground(gateway, stopped));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void stopInBackground(Gateway gateway, CountDownLatch stopped) {
    Thread thread = new Thread(() -> {
      gateway.stop();
      stopped.countDown();
    }, "gateway-shutdown");
    thread.start();
  }
}
