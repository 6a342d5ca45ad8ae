package io.consentgateway.sandbox.actito;

import io.consentgateway.sandbox.SandboxCommandLine;
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
    SandboxCommandLine.run("actito sandbox",
        "--host H --port P --entity E --table T --unique-key K --attributes a,b"
            + " --subscriptions s,t --api-key KEY --token-lifetime-seconds N --max-concurrent N"
            + " --calls-per-window N --window-seconds N",
        args, ActitoSandboxMain::parse, ActitoSandbox::start,
        (sandbox, options) -> "Actito sandbox ready at " + sandbox.baseUrl()
            + " (entity " + options.entity() + ", table " + options.table() + ")");
  }

  static SandboxOptions parse(String[] args) {
    var options = new SandboxOptions().setPort(8089);
    var flags = new SandboxCommandLine(args);
    while (flags.next()) {
      String value = flags.value();
      switch (flags.flag()) {
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
        default -> throw flags.unknownFlag();
      }
    }
    return options;
  }

  private static List<String> list(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
