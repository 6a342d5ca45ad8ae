package io.consentgateway.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code auth.allowedIps}: the source addresses allowed to call the webhooks. Empty allows any.
 * Addresses are compared in canonical form, so {@code ::ffff:35.159.1.63} matches {@code 35.159.1.63}.
 */
public final class IpAllowList {

  private final Set<InetAddress> allowed = new HashSet<>();

  public IpAllowList(List<String> addresses) {
    for (String address : addresses) {
      InetAddress parsed = parse(address);
      if (parsed == null) {
        throw new IllegalArgumentException("not an IP address: " + address);
      }
      allowed.add(parsed);
    }
  }

  public boolean allows(String remoteAddress) {
    if (allowed.isEmpty()) {
      return true;
    }
    InetAddress parsed = parse(remoteAddress);
    return parsed != null && allowed.contains(parsed);
  }

  private static InetAddress parse(String text) {
    if (text == null || text.isBlank() || !text.matches("[0-9A-Fa-f:.\\[\\]]+")) {
      return null; // literals only: never trigger a DNS lookup
    }
    try {
      return InetAddress.getByName(text.replace("[", "").replace("]", ""));
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
