# %% [markdown]
# # The Shanghai health clusters in a notebook
#
# A Jupyter notebook in the percent format (open it with Jupytext, VS Code or Spyder, or run it
# as a script: `python docs/notebook.py`). `tests/api/test_docs.py` runs it; each `assert` is
# what the cell shows. `pip install 'kgcli[pandas]'` for the DataFrame cells.

# %%
import kgcli

g = kgcli.open()  # the embedded graph; kgcli.open(data=["my.ttl"]), store=DIR, endpoint=URL
g  # noqa: B018  (a cell shows its last value)

# %% [markdown]
# Which resources the New Hongqiao International Medical Center's facilities share: a catalogue
# query (`kg queries list`) with its parameter as a keyword. The result shows as a table.

# %%
shared = g.query("shared-resources", center="New Hongqiao")
assert shared.rows[0][0] == "Dr Smile Surgical Clinic"
shared  # noqa: B018  (shown as a table: Result._repr_html_)

# %% [markdown]
# Typed values: the figures Jiading reported are numbers, ready for arithmetic or a DataFrame.

# %%
figures = g.query("reported-figures", place="Jiading")
values = [row[figures.columns.index("value")] for row in figures.rows]
assert sum(values) == 3_460_000_000.0
try:
    import pandas  # noqa: F401  (optional: kgcli[pandas])
except ImportError:
    pass
else:
    frame = figures.to_pandas()
    assert str(frame["value"].dtype) == "Float64"

# %% [markdown]
# The network `kg network --profile facility-sharing` builds, as a networkx graph.

# %%
net = g.network("facility-sharing")
assert sorted(label for _, label in net.nodes(data="label"))[0] == "Dr Smile Surgical Clinic"
net.number_of_nodes()

# %% [markdown]
# Inference: hospitals and clinics are typed by their subclasses; the inferred graph knows they
# are healthcare facilities, and `explain` says why.

# %%
facilities = (
    "PREFIX kg: <https://w3id.org/kgcli/ontology#> SELECT ?f WHERE { ?f a kg:HealthcareFacility }"
)
assert len(g.query(facilities)) == 0
assert len(g.infer().query(facilities)) == 4
print(g.explain("Dr Smile Surgical Clinic", "a", "kg:HealthcareFacility"))

# %% [markdown]
# Errors are the exceptions behind kg's one-line messages.

# %%
try:
    g.query("shared-resources", center=["New Hongqiao"])
except kgcli.errors.UsageError as err:
    print("kg: error:", err)
