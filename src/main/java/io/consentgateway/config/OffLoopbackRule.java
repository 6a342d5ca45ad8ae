package io.consentgateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the configuration must hold before a listener leaves loopback. While {@code server.host}
 * and {@code admin.host} are both loopback addresses (127.0.0.0/8, {@code ::1}, {@code
 * localhost}) anything valid goes: that is the quick start. Once either is not, start-up refuses:
 * <ul>
 *   <li>a <em>dev default</em>: a secret whose value is the fallback of {@code ${VAR:-default}}
 *       because {@code VAR} is unset or empty, or a dev value this project publishes (the quick
 *       start's client secret), wherever it came from;
 *   <li>an empty {@code auth.signingKey} (a random key per start);
 *   <li>an empty {@code admin.token} when {@code admin.host} is not loopback;
 *   <li>a secret the gateway checks callers against (client secrets, {@code admin.token}, Actito
 *       webhook secrets) shorter than {@link #MIN_SECRET_LENGTH} characters. Keys issued by Actito
 *       or Didomi are only held to the dev-default rule: their length is not ours to choose.
 * </ul>
 * Each refusal names the key and never the value.
 */
final class OffLoopbackRule {

  static final int MIN_SECRET_LENGTH = 16;

  // The dev values README and conf/gateway.yaml publish: whoever reads them can use them.
  private static final Set<String> PUBLISHED_DEV_VALUES = Set.of("didomi-dev-secret");
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]?");

  /**
   * One secret the configuration uses: its key, its value, the variable whose fallback supplied it
   * (null when it came from the environment or was written as is), and whether the gateway checks
   * callers against it.
   */
  record SecretInUse(String key, Secret value, String fallbackOf, boolean checkedAgainstCallers) {}

  private OffLoopbackRule() {}

  static void check(GatewayConfig config, List<SecretInUse> secrets) {
    String server = config.server().host();
    String admin = config.admin().host();
    String exposed = !isLoopback(server) ? "server.host is " + server : !isLoopback(admin) ? "admin.host is " + admin : null;
    if (exposed == null) {
      return;
    }
    String why = " when a listener is not loopback (" + exposed + ")";
    if (!isLoopback(admin) && config.admin().token().isEmpty()) {
      throw new ConfigException("admin.token", "required" + " when admin.host is not loopback (admin.host is " + admin + ")");
    }
    if (config.auth().signingKey().isEmpty()) {
      throw new ConfigException("auth.signingKey", "required" + why + ": an empty key is drawn at random at every start");
    }
    for (SecretInUse secret : secrets) {
      if (secret.value().isEmpty()) {
        continue;
      }
      if (secret.fallbackOf() != null) {
        throw new ConfigException(secret.key(), "is the dev default of ${" + secret.fallbackOf() + ":-...}, refused" + why
            + ": set " + secret.fallbackOf());
      }
      if (PUBLISHED_DEV_VALUES.contains(secret.value().reveal())) {
        throw new ConfigException(secret.key(), "is a dev value this project publishes, refused" + why);
      }
      if (secret.checkedAgainstCallers() && secret.value().reveal().length() < MIN_SECRET_LENGTH) {
        throw new ConfigException(secret.key(), "must be at least " + MIN_SECRET_LENGTH + " characters" + why);
      }
    }
  }

  /** Literals only, never a DNS lookup: a host name other than {@code localhost} counts as exposed. */
  static boolean isLoopback(String host) {
    String text = host == null ? "" : host.trim();
    if (text.toLowerCase(Locale.ROOT).equals("localhost")) {
      return true;
    }
    if (!IP_LITERAL.matcher(text).matches()) {
      return false;
    }
    try {
      return InetAddress.getByName(text.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
