package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.mpsl4j.engine.secagg.GroupPads;
import org.mpsl4j.engine.secagg.SecAggClient;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * A client's side of every aggregation the server must not read: secure aggregation of the epoch-end average
 * ({@link SecAggClient}), the private average only the clients decode ({@link PaddedSumDecoding}), and the private
 * shared tokenizer ({@link PrivateSharedTokenizer}). Kept apart from {@link MpslClient}'s training and dispatch; what it
 * refuses it reports through the client's notes, and a refusal sends nothing, so the client counts as a dropout there.
 */
final class ClientAggregation {
  private final String clientId;
  private final ClientModel model;
  private final NDManager manager;
  private final SecAggClient secAgg;
  private final LongFunction<ClientMessage.Builder> message;
  private final Consumer<String> note;
  /** Every client parameter by name (a shared base's template where tables are shared), for shapes. */
  private final Supplier<Map<String, Parameter>> allParameters;
  /** The averaged parameters in upload order. */
  private final Supplier<List<String>> order;
  private final int samples;
  private volatile boolean required;
  private GroupPads groupPads;
  private PrivateSharedTokenizer privateShared;
  /** The last private average this client decoded (null: none yet). */
  private volatile MpslClient.Average privateAverage;

  ClientAggregation(String clientId, ClientModel model, NDManager manager, LongFunction<ClientMessage.Builder> message,
      Consumer<String> note, Supplier<Map<String, Parameter>> allParameters, Supplier<List<String>> order, int samples) {
    this.clientId = clientId;
    this.model = model;
    this.manager = manager;
    this.secAgg = new SecAggClient(clientId);
    this.message = message;
    this.note = note;
    this.allParameters = allParameters;
    this.order = order;
    this.samples = samples;
  }

  /** The group's shared secret (from {@code --client-seed}): private averages and the private shared tokenizer. */
  void useGroupPads(GroupPads pads) {
    groupPads = pads;
    secAgg.withGroupPads(pads);
  }

  /** Refuse uploads in the clear; with {@code privately} also secure aggregation without the group pads. */
  void require(boolean privately) {
    required = true;
    if (privately) {
      secAgg.requirePrivate();
    }
  }

  boolean required() {
    return required;
  }

  /** The reply to an epoch end that runs secure aggregation: this client's key of the round. */
  List<ClientMessage> key(long step, boolean privateAverage) {
    return reply(step, () -> message.apply(step).setSecaggKey(secAgg.key(step, privateAverage)).build());
  }

  /** Handles a secure-aggregation message or a request for padded tokenizer gradients; other messages: none. */
  List<ClientMessage> onMessage(ServerMessage m, WireClientStep split) {
    long step = m.getStep();
    return switch (m.getBodyCase()) {
      case SECAGG_KEYS -> reply(step, () -> message.apply(step).setSecaggBoxes(secAgg.boxes(step, m.getSecaggKeys()))
          .build());
      case SECAGG_BOXES -> reply(step, () -> message.apply(step).setSecaggShare(secAgg.share(step, m.getSecaggBoxes(),
          TokenizerVector.of(model, order.get(), manager), samples)).build());
      case SECAGG_RECOVER -> reply(step, () -> message.apply(step).setSecaggSeeds(secAgg.reveal(step,
          m.getSecaggRecover())).build());
      case SECAGG_SUM -> {
        if (m.getSecaggSum().getGradientSum()) {
          applyPrivateSum(m);
        } else {
          decodeAverage(m);
        }
        yield List.of();
      }
      case TOKENIZER_SYNC -> paddedGradients(step, split);
      default -> List.of();
    };
  }

  /** A request for the tokenizers in the clear, while secure aggregation is required: refused, {@code instead} sent. */
  List<ClientMessage> refuseClearUpload(long step, List<ClientMessage> instead) {
    note.accept("step " + step + ": the server asked for the tokenizers in the clear; refused (secure aggregation"
        + " required)");
    return instead;
  }

  /**
   * The last private average decoded, or null; with a private shared tokenizer, that tokenizer's trained parameters as
   * they are now.
   */
  MpslClient.Average privateAverage() {
    return privateShared != null ? privateShared.current() : privateAverage;
  }

  /** The private shared tokenizer's step: this client's gradient, padded. */
  private List<ClientMessage> paddedGradients(long step, WireClientStep split) {
    try (NDManager scope = manager.newSubManager()) {
      return List.of(message.apply(step).setSecaggShare(privateShared().padded(step, split.takeGradients(scope)))
          .build());
    } catch (IllegalArgumentException | IllegalStateException e) { // sends nothing: it counts as missing this update
      note.accept("step " + step + ": no padded tokenizer gradient sent: " + e.getMessage());
      return List.of();
    }
  }

  private void applyPrivateSum(ServerMessage m) {
    try {
      privateShared().apply(m.getStep(), m.getSecaggSum(), manager);
    } catch (IllegalArgumentException | IllegalStateException e) {
      note.accept("private shared-tokenizer sum of step " + m.getStep() + " not applied: " + e.getMessage());
    }
  }

  private PrivateSharedTokenizer privateShared() {
    if (groupPads == null) {
      throw new IllegalStateException("the server runs a private shared tokenizer, which needs --client-seed (the "
          + "secret the clients share) on every client");
    }
    if (privateShared == null) {
      // the rate is set from each sum (the server's schedule) before the optimizer steps
      privateShared = new PrivateSharedTokenizer(model, groupPads, clientId, 1e-3f, manager);
    }
    return privateShared;
  }

  /**
   * Takes the group pads off a private average's sum; keeps the average, and with {@code replace_tokenizers}
   * continues from it. A sum that cannot be decoded is noted and changes nothing.
   */
  private void decodeAverage(ServerMessage m) {
    try {
      privateAverage = PaddedSumDecoding.decode(secAgg, m, model, allParameters.get(), order.get(), manager);
    } catch (IllegalArgumentException e) { // MalformedTensorException is one
      note.accept("private average of step " + m.getStep() + " not decoded: " + e.getMessage());
    }
  }

  private List<ClientMessage> reply(long step, Supplier<ClientMessage> reply) {
    try {
      return List.of(reply.get());
    } catch (IllegalArgumentException e) {
      note.accept("secure aggregation at step " + step + " refused: " + e.getMessage());
      return List.of();
    }
  }
}
