package io.consentgateway.ops;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric selectors of a PromQL expression: every metric name it reads and the label names its
 * matchers use. Not a PromQL parser: it removes what cannot name a metric (strings, Grafana
 * variables, ranges, {@code by (...)} and {@code on (...)} label lists, numbers, durations,
 * keywords) and takes the identifiers left that are not called like functions. That is enough for
 * the expressions of ops/, which {@code promtool} checks for validity.
 */
final class PromQlSelectors {

  /** One metric an expression reads, with the labels its matchers name ({@code foo{a="x"}}: a). */
  record Selector(String metric, Set<String> labels) {}

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern MATCHERS = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)?\\s*\\{([^}]*)}");
  private static final Pattern MATCHER_LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(?:=~|!~|!=|=)");
  // an identifier not glued to a digit or a dot (1e9, 15m, 0.5 are numbers and durations)
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![A-Za-z0-9_.:])[A-Za-z_:][A-Za-z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of(
      "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right",
      "inf", "nan", "Inf", "NaN", "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
      "bottomk", "topk", "quantile", "limitk", "limit_ratio", "start", "end");

  private PromQlSelectors() {}

  static List<Selector> of(String expr) {
    String text = STRING.matcher(expr).replaceAll("\"\"");
    text = GRAFANA_VARIABLE.matcher(text).replaceAll("0");
    text = RANGE.matcher(text).replaceAll(" ");
    text = LABEL_LIST.matcher(text).replaceAll(" ");
    List<Selector> selectors = new ArrayList<>();
    // metric{matchers}: keep the labels with the metric, then drop the braces
    Matcher braces = MATCHERS.matcher(text);
    StringBuilder rest = new StringBuilder();
    while (braces.find()) {
      if (braces.group(1) != null && !KEYWORDS.contains(braces.group(1))) {
        Set<String> labels = new LinkedHashSet<>();
        Matcher label = MATCHER_LABEL.matcher(braces.group(2));
        while (label.find()) {
          labels.add(label.group(1));
        }
        selectors.add(new Selector(braces.group(1), Set.copyOf(labels)));
      }
      braces.appendReplacement(rest, " ");
    }
    braces.appendTail(rest);
    // bare metric names: identifiers that are neither keywords nor called like functions
    Matcher identifier = IDENTIFIER.matcher(rest);
    while (identifier.find()) {
      String name = identifier.group();
      boolean called = rest.substring(identifier.end()).stripLeading().startsWith("(");
      if (!called && !KEYWORDS.contains(name)) {
        selectors.add(new Selector(name, Set.of()));
      }
    }
    return selectors;
  }
}
