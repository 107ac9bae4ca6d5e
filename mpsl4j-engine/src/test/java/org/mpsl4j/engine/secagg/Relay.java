package org.mpsl4j.engine.secagg;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.mpsl4j.protocol.v1.SecAggBoxes;
import org.mpsl4j.protocol.v1.SecAggKeys;
import org.mpsl4j.protocol.v1.SecAggShare;

/** Test fixture: a server's relay of one round's keys and share boxes between in-memory clients, and byte helpers. */
final class Relay {
  private Relay() {}

  static Map<String, SecAggClient> clients(int n, GroupPads pads) {
    Map<String, SecAggClient> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      SecAggClient c = new SecAggClient("c" + i);
      out.put("c" + i, pads == null ? c : c.withGroupPads(pads));
    }
    return out;
  }

  /** Step 1 and the key list: every client's keys, threshold {@code t}, vectors of {@code length}. */
  static SecAggKeys keys(Map<String, SecAggClient> clients, long step, int t, int length, boolean privateAverage) {
    SecAggKeys.Builder b = SecAggKeys.newBuilder().setLength(length).setThreshold(t);
    clients.forEach((id, c) -> {
      var k = c.key(step, privateAverage);
      b.putPublicKeys(id, k.getPublicKey()).putBoxKeys(id, k.getBoxKey());
    });
    return b.build();
  }

  /** Step 2 as an honest server relays it: each client's boxes up, then each client's boxes (by sender) down. */
  static Map<String, SecAggBoxes> exchange(Map<String, SecAggClient> clients, long step, SecAggKeys keys) {
    Map<String, SecAggBoxes> up = new TreeMap<>();
    clients.forEach((id, c) -> up.put(id, c.boxes(step, keys)));
    return forward(up);
  }

  /** The boxes addressed to each sender of {@code up}, from the others. */
  static Map<String, SecAggBoxes> forward(Map<String, SecAggBoxes> up) {
    Map<String, SecAggBoxes> down = new TreeMap<>();
    for (String to : up.keySet()) {
      SecAggBoxes.Builder mine = SecAggBoxes.newBuilder();
      up.forEach((from, boxes) -> {
        if (!from.equals(to)) {
          mine.putBoxes(from, boxes.getBoxesOrThrow(to));
        }
      });
      down.put(to, mine.build());
    }
    return down;
  }

  static Map<String, PublicKey> maskKeys(SecAggKeys keys) {
    Map<String, PublicKey> out = new TreeMap<>();
    keys.getPublicKeysMap().forEach((id, k) -> out.put(id, SecAggClient.publicKey(id, k)));
    return out;
  }

  static long[] longs(SecAggShare share) {
    long[] out = new long[share.getValues().size() / Long.BYTES];
    share.getValues().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }

  static ByteString bytes(long[] values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return ByteString.copyFrom(buf.array());
  }

  static Map<String, byte[]> raw(Map<String, ByteString> in) {
    Map<String, byte[]> out = new HashMap<>();
    in.forEach((id, b) -> out.put(id, b.toByteArray()));
    return out;
  }
}
