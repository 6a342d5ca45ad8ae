package io.consentgateway.sandbox.actito;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The file of one mass-import trigger as the sandbox reads it: the multipart part named as the ETL
 * expects, a ZIP of exactly one RFC 4180 CSV, UTF-8 without BOM, with a header row.
 */
record ImportFile(List<String> header, List<List<String>> rows) {

  /** Why a trigger's file cannot be imported: answered 400. */
  static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }

  static ImportFile read(String contentType, Buffer body, String partName) throws Unreadable {
    byte[] zip = part(contentType, body, partName);
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip), StandardCharsets.UTF_8)) {
      ZipEntry entry = in.getNextEntry();
      if (entry == null) {
        throw new Unreadable("the part " + partName + " is not a ZIP holding a file");
      }
      byte[] csv = in.readAllBytes();
      if (in.getNextEntry() != null) {
        throw new Unreadable("the ZIP holds more than one file");
      }
      if (csv.length >= 3 && (csv[0] & 0xff) == 0xef && (csv[1] & 0xff) == 0xbb && (csv[2] & 0xff) == 0xbf) {
        throw new Unreadable("the CSV starts with a BOM");
      }
      return parse(new InputStreamReader(new ByteArrayInputStream(csv), StandardCharsets.UTF_8));
    } catch (IOException | IllegalStateException | IllegalArgumentException e) {
      throw new Unreadable("unreadable file: " + e.getMessage());
    }
  }

  private static ImportFile parse(Reader reader) throws IOException, Unreadable {
    try (CSVParser parser = CSVFormat.RFC4180.builder().get().parse(reader)) {
      List<String> header = null;
      List<List<String>> rows = new ArrayList<>();
      for (CSVRecord record : parser) {
        List<String> values = record.toList();
        if (header == null) {
          header = values;
        } else if (values.size() != header.size()) {
          throw new Unreadable("row " + record.getRecordNumber() + " has " + values.size() + " columns, the header "
              + header.size());
        } else {
          rows.add(values);
        }
      }
      if (header == null) {
        throw new Unreadable("the CSV has no header row");
      }
      return new ImportFile(header, rows);
    }
  }

  // the bytes of the named part of a multipart/form-data body
  private static byte[] part(String contentType, Buffer body, String partName) throws Unreadable {
    String boundary = null;
    if (contentType != null && contentType.toLowerCase().startsWith("multipart/form-data")) {
      for (String parameter : contentType.split(";")) {
        String p = parameter.trim();
        if (p.startsWith("boundary=")) {
          boundary = p.substring("boundary=".length()).replace("\"", "");
        }
      }
    }
    if (boundary == null) {
      throw new Unreadable("a trigger is multipart/form-data with a boundary");
    }
    byte[] bytes = body.getBytes();
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int at = indexOf(bytes, delimiter, 0);
    while (at >= 0) {
      int headersStart = at + delimiter.length + 2; // CRLF
      int headersEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
      if (headersEnd < 0) {
        break;
      }
      String headers = new String(bytes, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
      int next = indexOf(bytes, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), headersEnd + 4);
      if (next < 0) {
        break;
      }
      if (headers.contains("name=\"" + partName + "\"")) {
        byte[] content = new byte[next - headersEnd - 4];
        System.arraycopy(bytes, headersEnd + 4, content, 0, content.length);
        return content;
      }
      at = next + 2;
    }
    throw new Unreadable("no multipart part named " + partName);
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
