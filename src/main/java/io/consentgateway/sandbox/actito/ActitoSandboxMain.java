package io.consentgateway.sandbox.actito;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the Actito sandbox on its own:
 * {@code java -cp target/consent-gateway.jar io.consentgateway.sandbox.actito.ActitoSandboxMain
 * --port 8089 --entity demo --table Customers --unique-key customerId --subscriptions
 * Newsletter,SmsOffers --api-key sandbox-api-key}. Every flag is optional; it prints its base URL
 * and serves until killed.
 */
public final class ActitoSandboxMain {

  private ActitoSandboxMain() {}

  public static void main(String[] args) {
    SandboxOptions options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("actito sandbox: " + e.getMessage());
      System.err.println("flags: --host H --port P --entity E --table T --unique-key K --attributes a,b"
          + " --subscriptions s,t --api-key KEY --token-lifetime-seconds N --max-concurrent N"
          + " --calls-per-window N --window-seconds N");
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    ActitoSandbox sandbox = ActitoSandbox.start(vertx, options).await();
    System.out.println("Actito sandbox ready at " + sandbox.baseUrl()
        + " (entity " + options.entity() + ", table " + options.table() + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await()));
  }

  static SandboxOptions parse(String[] args) {
    var options = new SandboxOptions().setPort(8089);
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + args[i]);
      }
      String value = args[i + 1];
      switch (args[i]) {
        case "--host" -> options.setHost(value);
        case "--port" -> options.setPort(Integer.parseInt(value));
        case "--entity" -> options.setEntity(value);
        case "--table" -> options.setTable(value);
        case "--unique-key" -> options.setUniqueKey(value);
        case "--attributes" -> options.setAttributes(list(value));
        case "--subscriptions" -> options.setSubscriptions(list(value));
        case "--api-key" -> options.setApiKeys(List.of(value));
        case "--token-lifetime-seconds" -> options.setTokenLifetime(Duration.ofSeconds(Long.parseLong(value)));
        case "--max-concurrent" -> options.setMaxConcurrentCalls(Integer.parseInt(value));
        case "--calls-per-window" -> options.setCallsPerWindow(Integer.parseInt(value));
        case "--window-seconds" -> options.setWindow(Duration.ofSeconds(Long.parseLong(value)));
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    return options;
  }

  private static List<String> list(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
