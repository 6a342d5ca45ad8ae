package io.consentgateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.consentgateway.config.GatewayConfig.AdminConfig;
import io.consentgateway.config.GatewayConfig.AuthConfig;
import io.consentgateway.config.GatewayConfig.OAuthClient;
import io.consentgateway.config.GatewayConfig.ServerConfig;
import io.consentgateway.config.GatewayConfig.StoreConfig;
import io.consentgateway.config.IntegrationConfig.BidirectionalConfig;
import io.consentgateway.config.IntegrationConfig.DidomiConfig;
import io.consentgateway.config.IntegrationConfig.DispatchConfig;
import io.consentgateway.config.IntegrationConfig.OnUserDeleted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code gateway.yaml}: parses the YAML, substitutes {@code ${VAR}} and {@code
 * ${VAR:-default}} from the environment in every string value (after parsing, so a secret's
 * characters never need YAML quoting), then validates every key. Failures are {@link
 * ConfigException}s naming the key.
 */
public final class ConfigLoader {

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
  private static final Pattern IP_LITERAL =
      Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*");
  private static final Pattern INTEGRATION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern DIDOMI_CONNECTOR_VALUE = Pattern.compile("consents_purposes_(.+)_enabled");

  private final Function<String, String> environment;

  public ConfigLoader(Function<String, String> environment) {
    this.environment = environment;
  }

  public static ConfigLoader fromSystemEnvironment() {
    Map<String, String> env = System.getenv();
    return new ConfigLoader(env::get);
  }

  public GatewayConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "cannot read the configuration file (" + e.getClass().getSimpleName() + ")");
    }
    return parse(text);
  }

  private static final java.util.regex.Pattern DUPLICATE_KEY =
      java.util.regex.Pattern.compile("Duplicate field '([A-Za-z0-9_.-]{1,64})'");

  public GatewayConfig parse(String yaml) {
    JsonNode tree;
    try {
      // a key given twice is refused, not silently won by the last one
      tree = new ObjectMapper(new YAMLFactory())
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(yaml);
    } catch (JsonProcessingException e) {
      // the location only: the parser's message may quote a line holding a secret
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      java.util.regex.Matcher duplicate = DUPLICATE_KEY.matcher(String.valueOf(e.getOriginalMessage()));
      if (duplicate.lookingAt()) {
        // a key name is no secret: say which one
        throw new ConfigException("(file)", "key '" + duplicate.group(1) + "' is given twice" + where);
      }
      throw new ConfigException("(file)", "not valid YAML" + where);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      tree = new ObjectMapper().createObjectNode();
    }
    Set<String> unset = new HashSet<>();
    Map<String, String> fallbacks = new HashMap<>();
    JsonNode resolved = substitute(tree, "", unset, fallbacks);
    return read(new ConfigNode(resolved, "", unset, fallbacks));
  }

  private JsonNode substitute(JsonNode node, String path, Set<String> unset, Map<String, String> fallbacks) {
    if (node.isTextual()) {
      return new TextNode(expand(node.asText(), path, unset, fallbacks));
    }
    if (node.isObject()) {
      ObjectNode copy = ((ObjectNode) node).objectNode();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String key = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        copy.set(field.getKey(), substitute(field.getValue(), key, unset, fallbacks));
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = ((ArrayNode) node).arrayNode();
      for (int i = 0; i < node.size(); i++) {
        copy.add(substitute(node.get(i), path + "[" + i + "]", unset, fallbacks));
      }
      return copy;
    }
    return node;
  }

  /** {@code fallbacks}: the paths whose value came (in part) from a {@code :-} default, with its variable. */
  private String expand(String text, String path, Set<String> unset, Map<String, String> fallbacks) {
    Matcher matcher = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String value = environment.apply(matcher.group(1));
      if (value == null || value.isEmpty()) {
        value = matcher.group(2) != null ? matcher.group(3) : "";
        if (matcher.group(2) == null) {
          unset.add(path);
        } else {
          fallbacks.putIfAbsent(path, matcher.group(1));
        }
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  private GatewayConfig read(ConfigNode root) {
    root.allowOnly("server", "admin", "store", "auth", "integrations");
    ConfigNode s = root.section("server").allowOnly("host", "port", "instances", "maxBodyBytes",
        "idleTimeoutSeconds", "headerTimeoutSeconds", "bodyTimeoutSeconds", "maxConnections", "h2c");
    ServerConfig server = new ServerConfig(
        s.string("host", "0.0.0.0"),
        s.integer("port", 8080, 0, 65535),
        s.integer("instances", 0, 0, 1024),
        s.integer("maxBodyBytes", 1_048_576, 1024, 64 * 1024 * 1024),
        s.integer("idleTimeoutSeconds", 30, 1, 3600),
        s.integer("headerTimeoutSeconds", 10, 1, 600),
        s.integer("bodyTimeoutSeconds", 30, 1, 3600),
        s.integer("maxConnections", 1024, 1, 1_000_000),
        s.bool("h2c", false));
    List<OffLoopbackRule.SecretInUse> secrets = new ArrayList<>();

    ConfigNode a = root.section("admin").allowOnly("host", "port", "token");
    AdminConfig admin = new AdminConfig(
        a.string("host", "127.0.0.1"), a.integer("port", 9090, 0, 65535), a.secret("token"));
    secrets.add(a.secretInUse("token", admin.token(), true));

    ConfigNode st = root.section("store").allowOnly("type", "path", "queueCapacity", "maxBatch", "retentionDays");
    String storeType = st.string("type", "sqlite");
    if (!storeType.equals("sqlite")) {
      throw new ConfigException(st.key("type"), "only 'sqlite' is supported by this build, got '" + storeType + "'");
    }
    StoreConfig store = new StoreConfig(
        storeType,
        st.string("path", "data/gateway.db"),
        st.integer("queueCapacity", 10_000, 1, 10_000_000),
        st.integer("maxBatch", 512, 1, 100_000),
        // at least a day: Didomi redelivers a webhook for about five minutes, Actito a little longer
        st.integer("retentionDays", 30, 1, 3650));

    ConfigNode au = root.section("auth").allowOnly(
        "tokenTtlSeconds", "signingKey", "clients", "allowedIps", "maxFailuresPerMinute");
    List<List<String>> scopes = new ArrayList<>();
    List<OAuthClient> clients = au.list("clients", c -> {
      c.allowOnly("clientId", "clientSecret", "integrations");
      Secret clientSecret = c.requiredSecret("clientSecret");
      secrets.add(c.secretInUse("clientSecret", clientSecret, true));
      if (c.has("integrations") && c.strings("integrations").isEmpty()) {
        throw new ConfigException(c.key("integrations"), "must name at least one integration; leave it out for all");
      }
      List<String> scope = c.strings("integrations");
      scopes.add(scope);
      return new OAuthClient(c.requiredString("clientId"), clientSecret, Set.copyOf(scope));
    });
    if (clients.isEmpty()) {
      throw new ConfigException(au.key("clients"), "at least one client is required, or Didomi cannot authenticate");
    }
    Set<String> clientIds = new HashSet<>();
    for (int i = 0; i < clients.size(); i++) {
      if (!clientIds.add(clients.get(i).clientId())) {
        throw new ConfigException(au.key("clients") + "[" + i + "].clientId", "duplicate client id '" + clients.get(i).clientId() + "'");
      }
    }
    Secret signingKey = au.secret("signingKey");
    if (!signingKey.isEmpty() && signingKey.reveal().length() < 32) {
      throw new ConfigException(au.key("signingKey"), "must be at least 32 characters");
    }
    List<String> allowedIps = au.strings("allowedIps");
    for (int i = 0; i < allowedIps.size(); i++) {
      if (!IP_LITERAL.matcher(allowedIps.get(i)).matches()) {
        throw new ConfigException(au.key("allowedIps") + "[" + i + "]", "must be an IPv4 or IPv6 address, got '" + allowedIps.get(i) + "'");
      }
    }
    AuthConfig auth = new AuthConfig(au.integer("tokenTtlSeconds", 3600, 60, 86_400 * 7), signingKey, clients, allowedIps,
        au.integer("maxFailuresPerMinute", 10, 0, 100_000));

    List<IntegrationConfig> integrations = root.list("integrations", n -> integration(n, secrets));
    if (integrations.isEmpty()) {
      throw new ConfigException("integrations", "at least one integration is required");
    }
    Set<String> ids = new HashSet<>();
    Set<Integer> sandboxPorts = new HashSet<>();
    for (int i = 0; i < integrations.size(); i++) {
      if (!ids.add(integrations.get(i).id())) {
        throw new ConfigException("integrations[" + i + "].id", "duplicate integration id '" + integrations.get(i).id() + "'");
      }
      ActitoConfig actito = integrations.get(i).actito();
      if (actito.usesSandbox() && actito.sandboxPort() != 0 && !sandboxPorts.add(actito.sandboxPort())) {
        throw new ConfigException("integrations[" + i + "].actito.baseUrl",
            "another integration's sandbox already uses port " + actito.sandboxPort() + "; use sandbox:PORT");
      }
    }
    for (int i = 0; i < scopes.size(); i++) {
      for (int j = 0; j < scopes.get(i).size(); j++) {
        if (!ids.contains(scopes.get(i).get(j))) {
          throw new ConfigException(au.key("clients") + "[" + i + "].integrations[" + j + "]",
              "no integration with id '" + scopes.get(i).get(j) + "'");
        }
      }
    }
    GatewayConfig config = new GatewayConfig(server, admin, store, auth, integrations);
    OffLoopbackRule.check(config, secrets);
    return config;
  }

  private IntegrationConfig integration(ConfigNode n, List<OffLoopbackRule.SecretInUse> secrets) {
    n.allowOnly("id", "didomi", "actito", "mappings", "metadataAttributes", "onUserDeleted", "dispatch", "bidirectional");
    String id = n.requiredString("id");
    if (!INTEGRATION_ID.matcher(id).matches()) {
      throw new ConfigException(n.key("id"), "must match " + INTEGRATION_ID.pattern() + ", got '" + id + "'");
    }
    ConfigNode d = n.section("didomi").allowOnly("organizationId", "regulation", "maxClockAheadMs");
    DidomiConfig didomi = new DidomiConfig(d.requiredString("organizationId"), d.string("regulation", "gdpr").toLowerCase(),
        d.longValue("maxClockAheadMs", DidomiConfig.DEFAULT_MAX_CLOCK_AHEAD_MILLIS, 0, 366L * 24 * 3600 * 1000));

    ConfigNode ac = n.section("actito").allowOnly(
        "baseUrl", "apiKey", "entity", "table", "userUniqueKey", "upsertMode", "maxConcurrency", "callsPerMinute", "timeoutMs",
        "breakerResetMs", "apiVersion", "bulk");
    String baseUrl = baseUrl(ac, ActitoConfig.SANDBOX, true);
    boolean sandbox = isSandbox(baseUrl);
    if (baseUrl.startsWith("sandbox:") && Integer.parseInt(baseUrl.substring(8)) > 65535) {
      throw new ConfigException(ac.key("baseUrl"), "sandbox port must be at most 65535");
    }
    Secret apiKey = sandbox ? ac.secret("apiKey") : ac.requiredSecret("apiKey");
    if (!sandbox) {
      secrets.add(ac.secretInUse("apiKey", apiKey, false));
    }
    ActitoConfig actito = new ActitoConfig(
        baseUrl,
        apiKey,
        ac.requiredString("entity"),
        ac.requiredString("table"),
        ac.requiredString("userUniqueKey"),
        ac.bool("upsertMode", false),
        ac.integer("maxConcurrency", 5, 1, 64),
        ac.integer("callsPerMinute", 100, 1, 1_000_000),
        ac.longValue("timeoutMs", 10_000, 100, 600_000),
        ac.longValue("breakerResetMs", ActitoConfig.DEFAULT_BREAKER_RESET_MS, 100, 3_600_000),
        apiVersion(ac),
        bulk(ac, ac.bool("upsertMode", false)));

    List<SubscriptionMapping> mappings = n.list("mappings", this::mapping);
    Set<String> subscriptions = new HashSet<>();
    for (int i = 0; i < mappings.size(); i++) {
      if (!subscriptions.add(mappings.get(i).subscription())) {
        throw new ConfigException(n.key("mappings") + "[" + i + "]", "duplicate subscription '" + mappings.get(i).subscription() + "'");
      }
    }

    MetadataAttributes metadata;
    JsonNode raw = n.raw("metadataAttributes");
    if (raw == null || raw.isNull() || (raw.isTextual() && raw.asText().equalsIgnoreCase("all"))) {
      metadata = MetadataAttributes.ALL;
    } else if (raw.isTextual() && raw.asText().equalsIgnoreCase("none")) {
      metadata = MetadataAttributes.NONE;
    } else if (raw.isArray()) {
      metadata = MetadataAttributes.only(n.strings("metadataAttributes"));
    } else {
      throw new ConfigException(n.key("metadataAttributes"), "must be 'all', 'none' or a list of metadata keys");
    }

    ConfigNode ds = n.section("dispatch").allowOnly("maxAttempts", "maxAgeSeconds", "initialBackoffMs", "maxBackoffMs", "shards",
        "inDoubtRecheckMs");
    DispatchConfig dispatch = new DispatchConfig(
        ds.integer("maxAttempts", 25, 1, 1000),
        ds.longValue("maxAgeSeconds", 86_400, 1, 30L * 86_400),
        ds.longValue("initialBackoffMs", 1_000, 1, 3_600_000),
        ds.longValue("maxBackoffMs", 3_600_000, 1, 86_400_000),
        ds.integer("shards", 64, 1, 4096),
        ds.longValue("inDoubtRecheckMs", DispatchConfig.DEFAULT_IN_DOUBT_RECHECK_MS, 0, 3_600_000));
    if (dispatch.maxBackoffMs() < dispatch.initialBackoffMs()) {
      throw new ConfigException(ds.key("maxBackoffMs"), "must not be below initialBackoffMs");
    }

    ConfigNode b = n.section("bidirectional").allowOnly("enabled", "webhookHeader", "webhookSecret", "didomiApi");
    boolean biEnabled = b.bool("enabled", false);
    ConfigNode api = b.section("didomiApi").allowOnly("baseUrl", "apiKey", "apiSecret");
    String didomiUrl = baseUrl(api, "https://api.didomi.io", biEnabled);
    boolean didomiSandbox = isSandbox(didomiUrl);
    String webhookHeader = b.string("webhookHeader", "X-Authorization").trim();
    if (!webhookHeader.matches("[A-Za-z0-9-]{1,64}")) {
      throw new ConfigException(b.key("webhookHeader"), "must be an HTTP header name");
    }
    boolean needApi = biEnabled && !didomiSandbox;
    if (biEnabled) {
      secrets.add(b.secretInUse("webhookSecret", b.secret("webhookSecret"), true));
    }
    if (needApi) {
      secrets.add(api.secretInUse("apiKey", api.secret("apiKey"), false));
      secrets.add(api.secretInUse("apiSecret", api.secret("apiSecret"), false));
    }
    BidirectionalConfig bidirectional = new BidirectionalConfig(
        biEnabled,
        webhookHeader,
        biEnabled ? b.requiredSecret("webhookSecret") : b.secret("webhookSecret"),
        didomiUrl,
        needApi ? api.requiredSecret("apiKey") : api.secret("apiKey"),
        needApi ? api.requiredSecret("apiSecret") : api.secret("apiSecret"));

    return new IntegrationConfig(
        id,
        didomi,
        actito,
        mappings,
        metadata,
        n.enumValue("onUserDeleted", OnUserDeleted.class, OnUserDeleted.IGNORE),
        dispatch,
        bidirectional);
  }

  /**
   * Two forms: ours, {@code {subscription, purpose, preference?, value?}}, and Didomi's own Actito
   * connector's, {@code {id: <subscription>, value: consents_purposes_<purposeId>_enabled}}.
   */
  private SubscriptionMapping mapping(ConfigNode m) {
    if (m.has("id")) {
      m.allowOnly("id", "value");
      String subscription = m.requiredString("id").trim();
      String value = m.requiredString("value").trim();
      Matcher matcher = DIDOMI_CONNECTOR_VALUE.matcher(value);
      if (!matcher.matches() || matcher.group(1).isBlank()) {
        throw new ConfigException(m.key("value"), "must be consents_purposes_<purposeId>_enabled, got '" + value + "'");
      }
      return new SubscriptionMapping(subscription, matcher.group(1), null, null);
    }
    m.allowOnly("subscription", "purpose", "preference", "value");
    String subscription = m.requiredString("subscription").trim();
    String purpose = m.requiredString("purpose").trim();
    String preference = blankToNull(m.string("preference", null));
    String value = blankToNull(m.string("value", null));
    if (preference != null && value == null) {
      throw new ConfigException(m.key("value"), "required when a preference is given");
    }
    if (value != null && preference == null) {
      throw new ConfigException(m.key("preference"), "required when a value is given");
    }
    if (value != null && value.contains(",")) {
      throw new ConfigException(m.key("value"), "one preference value id, without commas");
    }
    return new SubscriptionMapping(subscription, purpose, preference, value);
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text.trim();
  }

  /**
   * The {@code baseUrl} of {@code node}: an {@code http(s)://} URL without its trailing slash,
   * {@code sandbox} or {@code sandbox:PORT}. With {@code refuseUnsafe}, a URL {@link #unsafeBaseUrl}
   * refuses stops start-up (the URL is not echoed: it may carry a password).
   */
  private static String baseUrl(ConfigNode node, String defaultUrl, boolean refuseUnsafe) {
    String url = node.string("baseUrl", defaultUrl).trim();
    if (isSandbox(url)) {
      return url;
    }
    if (!url.matches("https?://[^\\s/]+(/\\S*)?")) {
      throw new ConfigException(node.key("baseUrl"), "must be an http(s) URL, 'sandbox' or 'sandbox:PORT'");
    }
    String unsafe = refuseUnsafe ? unsafeBaseUrl(url) : null;
    if (unsafe != null) {
      throw new ConfigException(node.key("baseUrl"), unsafe);
    }
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static boolean isSandbox(String baseUrl) {
    return baseUrl.matches("sandbox(:\\d{1,5})?");
  }

  private static BulkConfig bulk(ConfigNode actito, boolean upsertMode) {
    if (!actito.has("bulk")) {
      return BulkConfig.DISABLED;
    }
    ConfigNode b = actito.section("bulk").allowOnly("enabled", "etlId", "minBacklog", "maxExecutionsPerDay", "filePart",
        "etlMode", "maxRowsPerExecution", "maxFileBytes", "pollIntervalMs", "expectedDurationMs", "inDoubtHoldMs");
    boolean enabled = b.bool("enabled", false);
    String etlId = b.string("etlId", "");
    if (enabled && etlId.isBlank()) {
      throw new ConfigException(b.key("etlId"), "required when the bulk lane is enabled: the id of the triggered ETL defined in Actito");
    }
    String mode = b.string("etlMode", upsertMode ? "CREATE_UPDATE" : "UPDATE_ONLY").toUpperCase(java.util.Locale.ROOT);
    BulkConfig.EtlMode etlMode;
    try {
      etlMode = BulkConfig.EtlMode.valueOf(mode);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(b.key("etlMode"), "must be CREATE_UPDATE or UPDATE_ONLY");
    }
    if (enabled && !upsertMode && etlMode != BulkConfig.EtlMode.UPDATE_ONLY) {
      throw new ConfigException(b.key("etlMode"),
          "an update-only integration (upsertMode: false) needs an UPDATE_ONLY ETL: a CREATE_UPDATE one would create profiles");
    }
    String filePart = b.string("filePart", "inputFile");
    if (filePart.isBlank() || !filePart.matches("[A-Za-z0-9_.-]+")) {
      throw new ConfigException(b.key("filePart"), "must be a multipart part name (letters, digits, _ . -)");
    }
    int minBacklog = b.integer("minBacklog", BulkConfig.DEFAULT_MIN_BACKLOG, 1, 100_000_000);
    int maxRows = b.integer("maxRowsPerExecution", BulkConfig.DEFAULT_MAX_ROWS, 1, 10_000_000);
    if (minBacklog > maxRows) {
      throw new ConfigException(b.key("minBacklog"), "must be at most maxRowsPerExecution (" + maxRows
          + "): a backlog that one file cannot hold would never start an import");
    }
    return new BulkConfig(enabled, etlId, minBacklog,
        b.integer("maxExecutionsPerDay", BulkConfig.DEFAULT_MAX_EXECUTIONS_PER_DAY, 1, 24), filePart, etlMode,
        maxRows,
        b.longValue("maxFileBytes", BulkConfig.MAX_FILE_BYTES, 1024, BulkConfig.MAX_FILE_BYTES),
        b.longValue("pollIntervalMs", BulkConfig.DEFAULT_POLL_INTERVAL_MS, 100, 3_600_000),
        b.longValue("expectedDurationMs", BulkConfig.DEFAULT_EXPECTED_DURATION_MS, 1_000, 24 * 3_600_000L),
        b.longValue("inDoubtHoldMs", BulkConfig.DEFAULT_IN_DOUBT_HOLD_MS, 1_000, 7 * 24 * 3_600_000L));
  }

  private static ActitoConfig.ApiVersion apiVersion(ConfigNode actito) {
    String version = actito.string("apiVersion", "v5");
    return switch (version) {
      case "v5", "V5" -> ActitoConfig.ApiVersion.V5;
      case "v4", "V4" -> ActitoConfig.ApiVersion.V4;
      default -> throw new ConfigException(actito.key("apiVersion"), "must be v5 or v4");
    };
  }

  /**
   * Why {@code url} (an {@code http(s)://} base URL) is refused, or null: it carries credentials, a
   * query or a fragment (which could also hide its real host), or it is plain {@code http://} to a
   * host that is not this machine, where the API key would travel in clear. Loopback is
   * {@code localhost}, a dotted {@code 127.x.x.x} or {@code [::1]}: never a form only some resolvers
   * read as an address ({@code 127.1}, {@code 2130706433}).
   */
  static String unsafeBaseUrl(String url) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(url);
    } catch (java.net.URISyntaxException e) {
      return "is not a valid URL";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry credentials (user:password@): the API key is configured on its own";
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || url.contains("?") || url.contains("#")) {
      return "must not carry a query or a fragment";
    }
    String host = uri.getHost();
    if (host == null) {
      return "has no host";
    }
    if (uri.getScheme().equalsIgnoreCase("http") && !isLoopbackHost(host)) {
      return "must be https:// unless it names a loopback host (localhost, 127.x.x.x, [::1])";
    }
    return null;
  }

  private static final Pattern LOOPBACK_V4 =
      Pattern.compile("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)");

  private static boolean isLoopbackHost(String host) {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    return h.equals("localhost") || h.equals("[::1]") || h.equals("::1") || LOOPBACK_V4.matcher(h).matches();
  }

}
