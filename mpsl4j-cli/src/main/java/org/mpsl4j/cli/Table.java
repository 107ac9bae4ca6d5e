package org.mpsl4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns, for results printed at the end of a run. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final String[] header;

  Table(String... header) {
    this.header = header;
  }

  Table row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  void print(PrintStream out) {
    int[] width = new int[header.length];
    for (int i = 0; i < header.length; i++) {
      width[i] = header[i].length();
      for (String[] r : rows) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    line(out, header, width);
    StringBuilder sep = new StringBuilder("|");
    for (int w : width) {
      sep.append("-".repeat(w + 2)).append('|');
    }
    out.println(sep);
    for (String[] r : rows) {
      line(out, r, width);
    }
  }

  private static void line(PrintStream out, String[] cells, int[] width) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < cells.length; i++) {
      b.append(' ').append(String.format("%" + width[i] + "s", cells[i])).append(" |");
    }
    out.println(b);
  }
}
