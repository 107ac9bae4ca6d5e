package org.mpsl4j.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.model.nn.RowDeltaTable;

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
  private final LinkedHashMap<String, RowDeltaTable> tables = new LinkedHashMap<>();

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

  /**
   * Registers a table trained as rows over a shared base ({@link RowDeltaTable}). It is not among
   * {@link #namedParameters()} (it has no dense array of its own) but among {@link #namedTables()}.
   */
  protected final RowDeltaTable addTable(String name, RowDeltaTable table) {
    if (parameters.containsKey(name) || tables.putIfAbsent(name, table) != null) {
      throw new IllegalStateException("duplicate parameter name '" + name + "' in " + getClass().getSimpleName());
    }
    return table;
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

  /**
   * The row tables of this subtree ({@link RowDeltaTable}: per-owner rows over a shared base) by full
   * dotted name, in registration order. Empty for a model whose tables are all dense parameters.
   */
  public final Map<String, RowDeltaTable> namedTables() {
    LinkedHashMap<String, RowDeltaTable> out = new LinkedHashMap<>();
    collectTables("", out);
    return Collections.unmodifiableMap(out);
  }

  private void collectTables(String prefix, Map<String, RowDeltaTable> out) {
    tables.forEach((n, t) -> out.put(prefix + n, t));
    children.forEach((n, c) -> c.collectTables(prefix + n + ".", out));
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
    namedTables().values().forEach(t -> t.setTrainable(trainable));
  }

  /** Number of scalars in this subtree (all, or trainable only). */
  public final long parameterCount(boolean trainableOnly) {
    long n = 0;
    for (Parameter p : namedParameters().values()) {
      if (!trainableOnly || p.isTrainable()) {
        n += p.shape().size();
      }
    }
    for (RowDeltaTable t : namedTables().values()) {
      if (!trainableOnly || t.isTrainable()) {
        n += t.shape().size();
      }
    }
    return n;
  }

  /** Resets every trainable gradient to zero before a new backward pass. */
  public final void zeroGradients() {
    namedParameters().values().forEach(Parameter::zeroGradient);
    namedTables().values().forEach(RowDeltaTable::zeroGradient);
  }

  /** Copies every dense parameter value of {@code from} into the parameter of the same name in {@code to}. */
  public static void copyParameterValues(Module from, Module to) {
    Map<String, Parameter> target = to.namedParameters();
    from.namedParameters().forEach((name, p) -> {
      Parameter t = target.get(name);
      if (t == null) {
        throw new IllegalArgumentException("cannot copy parameter '" + name + "': the target has " + target.keySet());
      }
      t.copyFrom(p.array());
      t.setTrainable(p.isTrainable());
    });
  }

  protected final List<Module> childModules() {
    return new ArrayList<>(children.values());
  }
}
