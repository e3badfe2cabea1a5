//! Which items a downstream crate can reach, and by which paths: from the crate root through
//! `pub` modules and `pub use` re-exports (named, renamed, grouped, glob).

use std::collections::{BTreeMap, BTreeSet};

use syn::{Item, Visibility};

use super::attrs::{attrs, Attrs, Context};
use super::tree::{item_name, Binding, Crate, Def, ModuleId, Target, UseLeaf};
use super::{Line, Rank};
use crate::diagnostics::Diagnostic;

/// One public path to an item and the conditions met on the way there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Access {
    pub(super) path: Vec<String>,
    pub(super) context: Context,
}

impl Access {
    fn child(&self, name: &str, context: Context) -> Access {
        let mut path = self.path.clone();
        path.push(name.to_owned());
        Access { path, context }
    }

    pub(super) fn joined(&self) -> String {
        self.path.join("::")
    }
}

/// What the walk found: every reachable item with its public paths, and the lines that
/// need nothing more (modules, re-exports of other crates' items, exported macros).
#[derive(Default)]
pub(super) struct Reach {
    pub(super) items: BTreeMap<Def, Vec<Access>>,
    pub(super) lines: Vec<Line>,
}

impl Reach {
    /// The path an item is named by where one path must be chosen (a trait in an impl
    /// line): the shortest, then the first.
    pub(super) fn canonical(&self, def: Def) -> Option<&Access> {
        self.items
            .get(&def)?
            .iter()
            .min_by(|a, b| (a.path.len(), &a.path).cmp(&(b.path.len(), &b.path)))
    }
}

/// The `cfg` conditions of the modules `module` is declared in (itself included): an item
/// there exists only when they hold, however it is reached.
pub(super) fn declared_in(krate: &Crate, module: ModuleId) -> Result<Vec<String>, Diagnostic> {
    let mut cfg = Context::default();
    for id in krate.ancestry(module) {
        let module = &krate.modules[id];
        cfg = cfg.and(&attrs(&module.attrs, &module.file)?.cfg);
    }
    Ok(cfg.cfg)
}

struct Walker<'c> {
    krate: &'c Crate,
    reach: Reach,
    /// Modules being listed, outermost first: re-exporting an enclosing module is a cycle.
    open: Vec<ModuleId>,
}

/// Walks the crate `krate` named `crate_name` from its root.
pub(super) fn reach(krate: &Crate, crate_name: &str) -> Result<Reach, Diagnostic> {
    let mut walker = Walker {
        krate,
        reach: Reach::default(),
        open: Vec::new(),
    };
    let root = Access {
        path: vec![crate_name.to_owned()],
        context: Context::default(),
    };
    walker.enter(0, root)?;
    walker.exported_macros(crate_name)?;
    Ok(walker.reach)
}

impl Walker<'_> {
    fn own_attrs(&self, module: ModuleId) -> Result<Attrs, Diagnostic> {
        let module = &self.krate.modules[module];
        attrs(&module.attrs, &module.file)
    }

    fn line(&mut self, access: &Access, text: String) {
        self.reach.lines.push(Line {
            owner: access.path.clone(),
            rank: Rank::Declaration,
            name: String::new(),
            text,
        });
    }

    /// Lists module `module` reached by `access` (whose context does not yet include the
    /// module's own attributes), then everything public in it.
    fn enter(&mut self, module: ModuleId, access: Access) -> Result<(), Diagnostic> {
        if self.open.contains(&module) {
            return Ok(());
        }
        let own = self.own_attrs(module)?;
        let context = access
            .context
            .and(&declared_in(self.krate, module)?)
            .with(&own);
        let access = Access { context, ..access };
        let text = format!(
            "{}pub mod {}",
            access.context.prefix(&own.marks),
            access.joined()
        );
        self.line(&access, text);
        self.open.push(module);
        let listed = self.members(module, &access);
        self.open.pop();
        listed
    }

    fn members(&mut self, module: ModuleId, access: &Access) -> Result<(), Diagnostic> {
        let krate = self.krate;
        let this = &krate.modules[module];
        for (index, item) in this.items.iter().enumerate() {
            if !is_public(item) {
                continue;
            }
            match item {
                Item::Mod(declaration) => {
                    if let Some(&child) = this.children.get(&index) {
                        let name = declaration.ident.to_string();
                        self.enter(child, access.child(&name, access.context.clone()))?;
                    }
                }
                Item::Use(declaration) => {
                    let context = access.context.with(&attrs(&declaration.attrs, &this.file)?);
                    let via = Access {
                        path: access.path.clone(),
                        context,
                    };
                    for leaf in this.uses.iter().filter(|leaf| leaf.item == index) {
                        self.re_export(module, leaf, &via)?;
                    }
                }
                Item::ExternCrate(declaration) => {
                    let name = item_name(item).unwrap_or_default();
                    let target = declaration.ident.to_string();
                    self.publish(
                        Target::External(target),
                        access.child(&name, access.context.clone()),
                    )?;
                }
                _ => {
                    if let Some(name) = item_name(item) {
                        self.publish(
                            Target::Local(Def::Item(module, index)),
                            access.child(&name, access.context.clone()),
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `pub use` leaf `leaf` of module `module`, whose own path and context are `via`.
    fn re_export(
        &mut self,
        module: ModuleId,
        leaf: &UseLeaf,
        via: &Access,
    ) -> Result<(), Diagnostic> {
        let krate = self.krate;
        let targets = krate.resolve(module, leaf.leading_colon, &leaf.segments, &mut Vec::new());
        match &leaf.binding {
            Binding::Underscore => Ok(()),
            Binding::Name(name) => {
                for target in targets {
                    self.publish(target, via.child(name, via.context.clone()))?;
                }
                Ok(())
            }
            Binding::Glob => {
                let shadowing = explicit_names(krate, module);
                for target in targets {
                    let Target::Local(Def::Module(source)) = target else {
                        // Another crate's module (or an enum's variants): listed as written.
                        let text = format!(
                            "{}pub use {}::* = {}",
                            via.context.prefix(&[]),
                            via.joined(),
                            leaf.written()
                        );
                        self.line(&via.child("*", via.context.clone()), text);
                        continue;
                    };
                    let names = public_names(krate, source, &mut Vec::new());
                    for name in names.difference(&shadowing) {
                        for target in krate.lookup(source, name, &mut Vec::new()) {
                            self.publish(target, via.child(name, via.context.clone()))?;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// Records `target` as reachable by `access`.
    fn publish(&mut self, target: Target, access: Access) -> Result<(), Diagnostic> {
        match target {
            Target::Local(Def::Module(module)) => self.enter(module, access),
            Target::Local(def) => {
                let accesses = self.reach.items.entry(def).or_default();
                if !accesses.contains(&access) {
                    accesses.push(access);
                }
                Ok(())
            }
            Target::External(path) => {
                let text = format!(
                    "{}pub use {} = {path}",
                    access.context.prefix(&[]),
                    access.joined()
                );
                self.line(&access, text);
                Ok(())
            }
        }
    }

    /// `#[macro_export] macro_rules!` macros, wherever declared, live at the crate root.
    fn exported_macros(&mut self, crate_name: &str) -> Result<(), Diagnostic> {
        let krate = self.krate;
        for (id, module) in krate.modules.iter().enumerate() {
            for item in &module.items {
                let Item::Macro(declaration) = item else {
                    continue;
                };
                let Some(name) = &declaration.ident else {
                    continue;
                };
                let own = attrs(&declaration.attrs, &module.file)?;
                if !own.macro_export {
                    continue;
                }
                let context = Context::default().and(&declared_in(krate, id)?).with(&own);
                let access = Access {
                    path: vec![crate_name.to_owned(), name.to_string()],
                    context,
                };
                let text = format!(
                    "{}pub macro_rules! {}",
                    access.context.prefix(&own.marks),
                    access.joined()
                );
                self.line(&access, text);
            }
        }
        Ok(())
    }
}

pub(super) fn is_public(item: &Item) -> bool {
    let visibility = match item {
        Item::Const(item) => &item.vis,
        Item::Enum(item) => &item.vis,
        Item::ExternCrate(item) => &item.vis,
        Item::Fn(item) => &item.vis,
        Item::Mod(item) => &item.vis,
        Item::Static(item) => &item.vis,
        Item::Struct(item) => &item.vis,
        Item::Trait(item) => &item.vis,
        Item::TraitAlias(item) => &item.vis,
        Item::Type(item) => &item.vis,
        Item::Union(item) => &item.vis,
        Item::Use(item) => &item.vis,
        _ => return false,
    };
    matches!(visibility, Visibility::Public(_))
}

/// The names module `module` declares or imports by name: a glob import never overrides them.
fn explicit_names(krate: &Crate, module: ModuleId) -> BTreeSet<String> {
    let this = &krate.modules[module];
    let mut names: BTreeSet<String> = this.items.iter().filter_map(item_name).collect();
    names.extend(this.uses.iter().filter_map(|leaf| match &leaf.binding {
        Binding::Name(name) => Some(name.clone()),
        _ => None,
    }));
    names
}

/// The names module `module` makes public: its `pub` items, its `pub use` names, and what
/// its `pub use ...::*` bring in.
fn public_names(krate: &Crate, module: ModuleId, open: &mut Vec<ModuleId>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if open.contains(&module) {
        return names;
    }
    open.push(module);
    let this = &krate.modules[module];
    for item in this.items.iter().filter(|item| is_public(item)) {
        if !matches!(item, Item::Use(_)) {
            names.extend(item_name(item));
        }
    }
    for leaf in &this.uses {
        let public = this.items.get(leaf.item).is_some_and(is_public);
        match &leaf.binding {
            Binding::Name(name) if public => {
                names.insert(name.clone());
            }
            Binding::Glob if public => {
                for target in
                    krate.resolve(module, leaf.leading_colon, &leaf.segments, &mut Vec::new())
                {
                    if let Target::Local(Def::Module(source)) = target {
                        let shadowing = explicit_names(krate, module);
                        let inner = public_names(krate, source, open);
                        names.extend(inner.difference(&shadowing).cloned());
                    }
                }
            }
            _ => {}
        }
    }
    open.pop();
    names
}
