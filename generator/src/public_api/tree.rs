//! A crate's module tree, parsed from its source files, and name resolution within it.
//!
//! Only what the public-API report needs: which module holds which items, and what a path in
//! a module (`crate::x::Y`, `super::Y`, an imported or glob-imported name) refers to. A
//! path that leaves the crate is kept as written: its target is another crate's business.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use syn::ext::IdentExt;
use syn::{Item, UseTree};

use crate::diagnostics::{Diagnostic, Severity};

pub(super) type ModuleId = usize;

/// Something a path can name inside the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Def {
    Module(ModuleId),
    /// An item (not a module, `use` or impl) of a module, by its index there.
    Item(ModuleId, usize),
}

/// What a path resolves to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Target {
    Local(Def),
    /// Outside the crate (or beyond what this resolver follows), as a path.
    External(String),
}

/// What a `use` leaf binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Binding {
    Name(String),
    Glob,
    /// `use Trait as _`: brings a trait into scope under no name.
    Underscore,
}

/// One leaf of a `use` tree: `use a::{b, c as d, e::*}` has three.
#[derive(Debug, Clone)]
pub(super) struct UseLeaf {
    /// The index of the `use` item in its module (for its visibility and attributes).
    pub(super) item: usize,
    pub(super) leading_colon: bool,
    pub(super) segments: Vec<String>,
    pub(super) binding: Binding,
}

impl UseLeaf {
    /// The path as written, for re-exports that leave the crate.
    pub(super) fn written(&self) -> String {
        let mut path = self.segments.join("::");
        if self.leading_colon {
            path.insert_str(0, "::");
        }
        if self.binding == Binding::Glob {
            path.push_str(if self.segments.is_empty() { "*" } else { "::*" });
        }
        path
    }
}

pub(super) struct Module {
    pub(super) parent: Option<ModuleId>,
    /// The file the module's items come from, as given to the report.
    pub(super) file: PathBuf,
    /// The `mod` item's outer attributes and the module's inner ones.
    pub(super) attrs: Vec<syn::Attribute>,
    pub(super) items: Vec<Item>,
    /// The indexes of the items declaring each name (a big `models.rs` is looked up often).
    names: BTreeMap<String, Vec<usize>>,
    /// Which item index is which child module.
    pub(super) children: BTreeMap<usize, ModuleId>,
    pub(super) uses: Vec<UseLeaf>,
}

pub(super) struct Crate {
    /// The root is module 0.
    pub(super) modules: Vec<Module>,
}

/// A diagnostic about `file`, at `line` when it is known.
///
/// syn's errors carry no position here: that needs proc-macro2's `span-locations` feature,
/// which makes every token of the generator 8 bytes bigger (peak memory on the full upstream
/// spec 201 → 251 MB), so lines are found from the text instead.
pub(super) fn located(file: &Path, line: Option<usize>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        file: file.display().to_string(),
        line,
        column: None,
        pointer: String::new(),
        message: message.into(),
        severity: Severity::Error,
    }
}

/// The line (1-based) where the first top-level item of `text` that does not parse on its own
/// starts. Items are told apart as prettyplease (and rustfmt) lay them out: a top-level item starts at column 0
/// (with its doc comments and attributes), and anything indented or closing belongs to it.
fn failing_item_line(text: &str) -> Option<usize> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut starts = Vec::new();
    let mut attached = false;
    for (index, line) in lines.iter().enumerate() {
        let at_column_0 = line
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && !matches!(c, '}' | ')' | ']'));
        if at_column_0 {
            if !attached {
                starts.push(index);
            }
            attached = line.starts_with("#[") || line.starts_with("//");
        }
    }
    starts.iter().enumerate().find_map(|(n, &start)| {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        syn::parse_file(&lines[start..end].join("\n"))
            .is_err()
            .then_some(start + 1)
    })
}

/// The line (1-based) of the first `mod name` declaration in `text`.
fn declaration_line(text: &str, name: &str) -> Option<usize> {
    let needle = format!("mod {name}");
    text.lines()
        .position(|line| {
            line.find(&needle).is_some_and(|at| {
                let rest = &line[at + needle.len()..];
                !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        })
        .map(|index| index + 1)
}

/// The name an item declares in its module's type or value namespace.
pub(super) fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(item) => &item.ident,
        Item::Enum(item) => &item.ident,
        Item::ExternCrate(item) => item
            .rename
            .as_ref()
            .map_or(&item.ident, |(_, rename)| rename),
        Item::Fn(item) => &item.sig.ident,
        Item::Mod(item) => &item.ident,
        Item::Static(item) => &item.ident,
        Item::Struct(item) => &item.ident,
        Item::Trait(item) => &item.ident,
        Item::TraitAlias(item) => &item.ident,
        Item::Type(item) => &item.ident,
        Item::Union(item) => &item.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The value of a `#[path = "..."]` attribute.
fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        },
        _ => None,
    })
}

/// `a/./b/../c` → `a/c`, so `#[path]` targets match the file map's keys.
fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

struct Loader<'a> {
    files: &'a BTreeMap<PathBuf, String>,
    modules: Vec<Module>,
    /// Files being loaded, outermost first: a `#[path]` back to one of them is a cycle.
    open: Vec<PathBuf>,
}

impl Crate {
    /// Parses `lib.rs` and every module file it reaches in `files` (paths relative to the
    /// crate's `src/`).
    pub(super) fn load(files: &BTreeMap<PathBuf, String>) -> Result<Crate, Diagnostic> {
        let mut loader = Loader {
            files,
            modules: Vec::new(),
            open: Vec::new(),
        };
        let root = PathBuf::from("lib.rs");
        if !files.contains_key(&root) {
            return Err(Diagnostic {
                file: root.display().to_string(),
                line: None,
                column: None,
                pointer: String::new(),
                message: "the crate has no src/lib.rs".to_owned(),
                severity: Severity::Error,
            });
        }
        loader.load_file(None, &root, Vec::new(), PathBuf::new())?;
        Ok(Crate {
            modules: loader.modules,
        })
    }

    pub(super) fn item(&self, module: ModuleId, index: usize) -> Option<&Item> {
        self.modules.get(module)?.items.get(index)
    }

    /// The modules from the root down to `module`, both included.
    pub(super) fn ancestry(&self, module: ModuleId) -> Vec<ModuleId> {
        let mut chain = vec![module];
        while let Some(parent) = chain.last().and_then(|&last| self.modules[last].parent) {
            chain.push(parent);
        }
        chain.reverse();
        chain
    }

    /// Everything `name` refers to in `module`: its items, its imports, else its glob
    /// imports. Visibility is not checked: the crate compiles, so a name it uses is visible.
    pub(super) fn lookup(
        &self,
        module: ModuleId,
        name: &str,
        stack: &mut Vec<(ModuleId, String)>,
    ) -> Vec<Target> {
        let key = (module, name.to_owned());
        if stack.contains(&key) {
            return Vec::new();
        }
        stack.push(key);
        let found = self.lookup_uncached(module, name, stack);
        stack.pop();
        found
    }

    fn lookup_uncached(
        &self,
        module: ModuleId,
        name: &str,
        stack: &mut Vec<(ModuleId, String)>,
    ) -> Vec<Target> {
        let Some(this) = self.modules.get(module) else {
            return Vec::new();
        };
        let mut found: Vec<Target> = this
            .names
            .get(name)
            .into_iter()
            .flatten()
            .map(|&index| match this.children.get(&index) {
                Some(&child) => Target::Local(Def::Module(child)),
                None => Target::Local(Def::Item(module, index)),
            })
            .collect();
        for leaf in &this.uses {
            if leaf.binding == Binding::Name(name.to_owned()) {
                found.extend(self.resolve(module, leaf.leading_colon, &leaf.segments, stack));
            }
        }
        if found.is_empty() {
            for leaf in this
                .uses
                .iter()
                .filter(|leaf| leaf.binding == Binding::Glob)
            {
                for target in self.resolve(module, leaf.leading_colon, &leaf.segments, stack) {
                    if let Target::Local(Def::Module(source)) = target {
                        found.extend(self.lookup(source, name, stack));
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    /// What the path `segments` means in `module`.
    pub(super) fn resolve(
        &self,
        module: ModuleId,
        leading_colon: bool,
        segments: &[String],
        stack: &mut Vec<(ModuleId, String)>,
    ) -> Vec<Target> {
        let external = || vec![Target::External(segments.join("::"))];
        let Some((first, rest)) = segments.split_first() else {
            return vec![Target::Local(Def::Module(module))];
        };
        if leading_colon {
            return vec![Target::External(format!("::{}", segments.join("::")))];
        }
        let mut current = match first.as_str() {
            "crate" => vec![Target::Local(Def::Module(0))],
            "self" => vec![Target::Local(Def::Module(module))],
            "super" => match self.modules[module].parent {
                Some(parent) => vec![Target::Local(Def::Module(parent))],
                None => return external(),
            },
            name => {
                let found = self.lookup(module, name, stack);
                if found.is_empty() {
                    // Not declared or imported here: another crate (or a prelude name).
                    return external();
                }
                found
            }
        };
        for segment in rest {
            let mut next = Vec::new();
            for target in current {
                match target {
                    Target::Local(Def::Module(inner)) => {
                        next.extend(if segment == "super" {
                            self.modules[inner]
                                .parent
                                .map(|parent| Target::Local(Def::Module(parent)))
                                .into_iter()
                                .collect()
                        } else {
                            self.lookup(inner, segment, stack)
                        });
                    }
                    Target::External(path) => {
                        next.push(Target::External(format!("{path}::{segment}")))
                    }
                    // An enum variant or an associated item: beyond this resolver.
                    Target::Local(Def::Item(..)) => {}
                }
            }
            if next.is_empty() {
                return external();
            }
            current = next;
        }
        current.sort();
        current.dedup();
        current
    }
}

impl Loader<'_> {
    fn load_file(
        &mut self,
        parent: Option<ModuleId>,
        path: &Path,
        outer_attrs: Vec<syn::Attribute>,
        directory: PathBuf,
    ) -> Result<ModuleId, Diagnostic> {
        let text = self.files.get(path).ok_or_else(|| Diagnostic {
            file: path.display().to_string(),
            line: None,
            column: None,
            pointer: String::new(),
            message: "no such file".to_owned(),
            severity: Severity::Error,
        })?;
        let file = syn::parse_file(text).map_err(|error| {
            located(
                path,
                failing_item_line(text),
                format!("cannot parse: {error}"),
            )
        })?;
        let mut attrs = outer_attrs;
        attrs.extend(file.attrs);
        self.open.push(path.to_path_buf());
        let module = self.add_module(parent, path, attrs, file.items, &directory);
        self.open.pop();
        module
    }

    fn add_module(
        &mut self,
        parent: Option<ModuleId>,
        file: &Path,
        attrs: Vec<syn::Attribute>,
        mut items: Vec<Item>,
        directory: &Path,
    ) -> Result<ModuleId, Diagnostic> {
        let id = self.modules.len();
        self.modules.push(Module {
            parent,
            file: file.to_path_buf(),
            attrs,
            items: Vec::new(),
            names: BTreeMap::new(),
            children: BTreeMap::new(),
            uses: Vec::new(),
        });
        let mut children = BTreeMap::new();
        let mut uses = Vec::new();
        for (index, item) in items.iter_mut().enumerate() {
            match item {
                Item::Mod(declaration) => {
                    let stem = declaration.ident.unraw().to_string();
                    let child = match declaration.content.take() {
                        Some((_, content)) => {
                            let inner = match path_attribute(&declaration.attrs) {
                                Some(path) => directory.join(path),
                                None => directory.join(&stem),
                            };
                            self.add_module(
                                Some(id),
                                file,
                                std::mem::take(&mut declaration.attrs),
                                content,
                                &normalize(&inner),
                            )?
                        }
                        None => {
                            let (path, inner) =
                                self.module_file(file, directory, declaration, &stem)?;
                            self.load_file(
                                Some(id),
                                &path,
                                // The module keeps them; the `mod` item needs only its name.
                                std::mem::take(&mut declaration.attrs),
                                inner,
                            )?
                        }
                    };
                    children.insert(index, child);
                }
                Item::Use(declaration) => {
                    let mut segments = Vec::new();
                    flatten_use(
                        index,
                        declaration.leading_colon.is_some(),
                        &declaration.tree,
                        &mut segments,
                        &mut uses,
                    );
                }
                _ => {}
            }
        }
        let module = &mut self.modules[id];
        for (index, item) in items.iter().enumerate() {
            if let Some(name) = item_name(item) {
                module.names.entry(name).or_default().push(index);
            }
        }
        module.items = items;
        module.children = children;
        module.uses = uses;
        Ok(id)
    }

    /// Where `mod stem;` declared in `file` (whose child modules live in `directory`) is,
    /// and where that module's own children live.
    fn module_file(
        &self,
        file: &Path,
        directory: &Path,
        declaration: &syn::ItemMod,
        stem: &str,
    ) -> Result<(PathBuf, PathBuf), Diagnostic> {
        if let Some(path) = path_attribute(&declaration.attrs) {
            // Relative to the declaring file's directory; the file then acts as a `mod.rs`.
            let base = file.parent().unwrap_or(Path::new(""));
            let path = normalize(&base.join(path));
            let inner = path.parent().map(Path::to_path_buf).unwrap_or_default();
            return self.checked(file, declaration, path, inner);
        }
        let flat = directory.join(format!("{stem}.rs"));
        let nested = directory.join(stem).join("mod.rs");
        let path = match (
            self.files.contains_key(&flat),
            self.files.contains_key(&nested),
        ) {
            (true, _) => flat,
            (false, true) => nested,
            (false, false) => {
                return Err(located(
                    file,
                    self.declared_at(file, &declaration.ident),
                    format!(
                        "module `{stem}` not found: expected {} or {}",
                        flat.display(),
                        nested.display()
                    ),
                ))
            }
        };
        self.checked(file, declaration, path, directory.join(stem))
    }

    /// Where `file` declares module `name`.
    fn declared_at(&self, file: &Path, name: &syn::Ident) -> Option<usize> {
        declaration_line(self.files.get(file)?, &name.to_string())
    }

    fn checked(
        &self,
        file: &Path,
        declaration: &syn::ItemMod,
        path: PathBuf,
        inner: PathBuf,
    ) -> Result<(PathBuf, PathBuf), Diagnostic> {
        let problem = |message| {
            Err(located(
                file,
                self.declared_at(file, &declaration.ident),
                message,
            ))
        };
        let name = &declaration.ident;
        if !self.files.contains_key(&path) {
            return problem(format!("module `{name}` not found at {}", path.display()));
        }
        if self.open.contains(&path) {
            return problem(format!(
                "module `{name}` includes {}, which is already being read: a cycle",
                path.display()
            ));
        }
        Ok((path, inner))
    }
}

fn flatten_use(
    item: usize,
    leading_colon: bool,
    tree: &UseTree,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<UseLeaf>,
) {
    let mut leaf = |segments: Vec<String>, binding| {
        leaves.push(UseLeaf {
            item,
            leading_colon,
            segments,
            binding,
        })
    };
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten_use(item, leading_colon, &path.tree, prefix, leaves);
            prefix.pop();
        }
        // `use a::{self}` binds `a` itself.
        UseTree::Name(name) if name.ident == "self" => {
            let binding = prefix
                .last()
                .cloned()
                .map_or(Binding::Underscore, Binding::Name);
            leaf(prefix.clone(), binding);
        }
        UseTree::Name(name) => {
            let mut segments = prefix.clone();
            segments.push(name.ident.to_string());
            leaf(segments, Binding::Name(name.ident.to_string()));
        }
        UseTree::Rename(rename) => {
            let mut segments = prefix.clone();
            if rename.ident != "self" {
                segments.push(rename.ident.to_string());
            }
            let binding = if rename.rename == "_" {
                Binding::Underscore
            } else {
                Binding::Name(rename.rename.to_string())
            };
            leaf(segments, binding);
        }
        UseTree::Glob(_) => leaf(prefix.clone(), Binding::Glob),
        UseTree::Group(group) => {
            for tree in &group.items {
                flatten_use(item, leading_colon, tree, prefix, leaves);
            }
        }
    }
}
