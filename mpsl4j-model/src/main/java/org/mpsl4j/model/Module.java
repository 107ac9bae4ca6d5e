package org.mpsl4j.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A node of the model tree: its own parameters plus named child modules.
 *
 * <p>Parameters are created eagerly from a seeded {@link Random} at construction, so the same seed
 * gives the same model on any engine or device. Names are PyTorch-style: a parameter's full name is
 * the path of child names joined by dots, e.g. {@code encoder.blocks.0.attn.qkv.weight}.
 * Registration order is kept ({@link LinkedHashMap}) because it fixes checkpoint order and the
 * order in which optimizers see parameters.
 */
public abstract class Module {
  private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();
  private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();

  /** Creates and registers a parameter filled from {@code init}. */
  protected final Parameter addParameter(
      NDManager manager, String name, Shape shape, Initializer init, Random rng) {
    float[] values = init.values(shape, rng);
    Parameter p = new Parameter(name, manager.create(values, shape));
    if (parameters.putIfAbsent(name, p) != null) {
      throw new IllegalStateException("duplicate parameter name '" + name + "' in " + getClass().getSimpleName());
    }
    return p;
  }

  /** Registers a child; its parameters appear under {@code name.}. */
  protected final <M extends Module> M addChild(String name, M child) {
    if (children.putIfAbsent(name, child) != null) {
      throw new IllegalStateException("duplicate child name '" + name + "' in " + getClass().getSimpleName());
    }
    return child;
  }

  /** All parameters of this subtree by full dotted name, in registration order. */
  public final Map<String, Parameter> namedParameters() {
    LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
    collect("", out);
    return Collections.unmodifiableMap(out);
  }

  private void collect(String prefix, Map<String, Parameter> out) {
    parameters.forEach((n, p) -> out.put(prefix + n, p));
    children.forEach((n, c) -> c.collect(prefix + n + ".", out));
  }

  /** The parameters that are currently trained, by full name. */
  public final Map<String, Parameter> trainableParameters() {
    LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
    namedParameters().forEach((n, p) -> {
      if (p.isTrainable()) {
        out.put(n, p);
      }
    });
    return out;
  }

  /** Freezes or unfreezes the whole subtree. */
  public void setTrainable(boolean trainable) {
    namedParameters().values().forEach(p -> p.setTrainable(trainable));
  }

  /** Number of scalars in this subtree (all, or trainable only). */
  public final long parameterCount(boolean trainableOnly) {
    long n = 0;
    for (Parameter p : namedParameters().values()) {
      if (!trainableOnly || p.isTrainable()) {
        n += p.shape().size();
      }
    }
    return n;
  }

  /** Resets every trainable gradient to zero before a new backward pass. */
  public final void zeroGradients() {
    namedParameters().values().forEach(Parameter::zeroGradient);
  }

  protected final List<Module> childModules() {
    return new ArrayList<>(children.values());
  }
}
