package io.consentgateway.actito;

import java.util.List;

/**
 * The outcome of {@link ActitoTableCheck} for one integration: {@link #ok()} and the lines to
 * print, one finding each. Never contains a secret.
 */
public record CheckReport(String integrationId, boolean ok, List<String> lines) {

  public CheckReport {
    lines = List.copyOf(lines);
  }

  /** The process exit code for a set of reports: 0 when all are ok, 1 otherwise. */
  public static int exitCode(List<CheckReport> reports) {
    return reports.stream().allMatch(CheckReport::ok) ? 0 : 1;
  }

  /** Human text: a heading line, then the findings indented. */
  public String render() {
    var sb = new StringBuilder(ok ? "OK   " : "FAIL ").append("integration ").append(integrationId).append('\n');
    lines.forEach(line -> sb.append("  - ").append(line).append('\n'));
    return sb.toString();
  }
}
