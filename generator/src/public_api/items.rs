//! The report's lines for each reachable item: its declaration, its public fields, variants
//! and trait items, the pub members of its inherent impls, and its trait impls (written and
//! derived).

use std::collections::BTreeMap;

use syn::{Fields, ImplItem, Item, ItemImpl, TraitItem, Type, Visibility};

use super::attrs::{attrs, Attrs, Context};
use super::render::{
    bounds_as_predicates, generic_args, generic_params, params_with, reference, signature, tokens,
    where_clause, where_predicates,
};
use super::tree::{Crate, Def, ModuleId, Target};
use super::walk::{declared_in, Access, Reach};
use super::{Line, Rank};
use crate::diagnostics::Diagnostic;

/// An impl block, by module and item index.
type ImplRef = (ModuleId, usize);

/// How many type aliases an impl's self type is followed through.
const ALIAS_DEPTH: usize = 8;

struct Lister<'c> {
    krate: &'c Crate,
    reach: &'c Reach,
    /// Impls of a reachable local type (inherent or of any trait).
    by_type: BTreeMap<Def, Vec<ImplRef>>,
    /// Impls of a reachable local trait for a type from elsewhere (`impl<T: Tr> Tr for Vec<T>`).
    by_trait: BTreeMap<Def, Vec<ImplRef>>,
    lines: Vec<Line>,
}

/// Every line for the items in `reach`.
pub(super) fn list(krate: &Crate, reach: &Reach) -> Result<Vec<Line>, Diagnostic> {
    let mut lister = Lister {
        krate,
        reach,
        by_type: BTreeMap::new(),
        by_trait: BTreeMap::new(),
        lines: Vec::new(),
    };
    lister.file_impls();
    for (&def, accesses) in &reach.items {
        for access in accesses {
            lister.item(def, access)?;
        }
    }
    Ok(lister.lines)
}

fn is_pub(visibility: &Visibility) -> bool {
    matches!(visibility, Visibility::Public(_))
}

/// The path in a self type that names it (`Foo` in `&'a Foo<T>`).
fn type_path(ty: &Type) -> Option<&syn::Path> {
    match ty {
        Type::Path(path) if path.qself.is_none() => Some(&path.path),
        Type::Reference(reference) => type_path(&reference.elem),
        Type::Paren(inner) => type_path(&inner.elem),
        Type::Group(inner) => type_path(&inner.elem),
        _ => None,
    }
}

fn segments(path: &syn::Path) -> Vec<String> {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect()
}

/// `path` named `public` instead, keeping its generic arguments: `Foo<T>` → `a::b::Foo<T>`.
fn renamed(path: &syn::Path, public: &str) -> String {
    let arguments = path
        .segments
        .last()
        .map(|last| tokens(&last.arguments))
        .unwrap_or_default();
    format!("{public}{arguments}")
}

/// `ty` with the path naming it replaced by `public` (its generic arguments kept).
fn public_self_type(ty: &Type, public: &str) -> String {
    match ty {
        Type::Path(path) if path.qself.is_none() => renamed(&path.path, public),
        Type::Reference(referenced) => format!(
            "{}{}",
            reference(
                referenced.lifetime.as_ref(),
                referenced.mutability.is_some()
            ),
            public_self_type(&referenced.elem, public)
        ),
        Type::Paren(inner) => public_self_type(&inner.elem, public),
        Type::Group(inner) => public_self_type(&inner.elem, public),
        other => tokens(other),
    }
}

impl Lister<'_> {
    fn line(&mut self, owner: &Access, rank: Rank, name: impl Into<String>, text: String) {
        self.lines.push(Line {
            owner: owner.path.clone(),
            rank,
            name: name.into(),
            text,
        });
    }

    fn local_items(&self, module: ModuleId, path: &syn::Path) -> Vec<(Def, &Item)> {
        self.krate
            .resolve(
                module,
                path.leading_colon.is_some(),
                &segments(path),
                &mut Vec::new(),
            )
            .into_iter()
            .filter_map(|target| match target {
                Target::Local(def @ Def::Item(module, index)) => {
                    Some((def, self.krate.item(module, index)?))
                }
                _ => None,
            })
            .collect()
    }

    /// The local type `ty` (written in `module`) names, through type aliases.
    fn type_def(&self, module: ModuleId, ty: &Type, depth: usize) -> Option<Def> {
        let path = type_path(ty)?;
        self.local_items(module, path)
            .into_iter()
            .find_map(|(def, item)| match (item, def) {
                (Item::Type(alias), Def::Item(alias_module, _)) if depth < ALIAS_DEPTH => {
                    self.type_def(alias_module, &alias.ty, depth + 1)
                }
                (Item::Struct(_) | Item::Enum(_) | Item::Union(_), _) => Some(def),
                _ => None,
            })
    }

    fn trait_def(&self, module: ModuleId, path: &syn::Path) -> Option<Def> {
        self.local_items(module, path)
            .into_iter()
            .find_map(|(def, item)| {
                matches!(item, Item::Trait(_) | Item::TraitAlias(_)).then_some(def)
            })
    }

    /// Files every impl block of the crate under the reachable type or trait it is for.
    fn file_impls(&mut self) {
        for (module, contents) in self.krate.modules.iter().enumerate() {
            for (index, item) in contents.items.iter().enumerate() {
                let Item::Impl(block) = item else { continue };
                let reachable = |def: &Def| self.reach.items.contains_key(def);
                if let Some(def) = self.type_def(module, &block.self_ty, 0) {
                    // An impl for a private type is invisible downstream, whatever the trait.
                    if reachable(&def) {
                        self.by_type.entry(def).or_default().push((module, index));
                    }
                } else if let Some(def) = block
                    .trait_
                    .as_ref()
                    .and_then(|(path, _)| self.trait_def(module, path))
                    .filter(reachable)
                {
                    self.by_trait.entry(def).or_default().push((module, index));
                }
            }
        }
    }

    /// How an impl line names the trait `path` (written in `module`): a local trait by its
    /// public path, another crate's as written; `None` for a trait downstream cannot name.
    fn trait_name(&self, module: ModuleId, path: &syn::Path) -> Option<String> {
        match self.trait_def(module, path) {
            Some(def) => Some(renamed(path, &self.reach.canonical(def)?.joined())),
            None => Some(tokens(path)),
        }
    }

    fn item(&mut self, def: Def, access: &Access) -> Result<(), Diagnostic> {
        let Def::Item(module, index) = def else {
            return Ok(());
        };
        let krate = self.krate;
        let Some(item) = krate.item(module, index) else {
            return Ok(());
        };
        let file = &krate.modules[module].file;
        let own = attrs(item_attrs(item), file)?;
        let context = access.context.and(&declared_in(krate, module)?).with(&own);
        let prefix = context.prefix(&own.marks);
        let path = access.joined();
        match item {
            Item::Struct(item) => {
                let (declared, bounds) = declaration(&item.generics);
                let private = item.fields.iter().any(|field| !is_pub(&field.vis));
                let text = match (&item.fields, private) {
                    (Fields::Named(_), true) => {
                        format!("pub struct {path}{declared}{bounds} {{ /* private fields */ }}")
                    }
                    (Fields::Unnamed(_), true) => {
                        format!("pub struct {path}{declared}(/* private fields */){bounds}")
                    }
                    _ => format!("pub struct {path}{declared}{bounds}"),
                };
                self.line(access, Rank::Declaration, "", format!("{prefix}{text}"));
                self.fields(access, &context, item.fields.iter(), module)?;
                self.derived(access, &context, &own, &item.generics);
            }
            Item::Union(item) => {
                let (declared, bounds) = declaration(&item.generics);
                let text = format!("{prefix}pub union {path}{declared}{bounds}");
                self.line(access, Rank::Declaration, "", text);
                self.fields(access, &context, item.fields.named.iter(), module)?;
                self.derived(access, &context, &own, &item.generics);
            }
            Item::Enum(item) => {
                let (declared, bounds) = declaration(&item.generics);
                let text = format!("{prefix}pub enum {path}{declared}{bounds}");
                self.line(access, Rank::Declaration, "", text);
                for variant in &item.variants {
                    let variant_attrs = attrs(&variant.attrs, file)?;
                    let discriminant = variant
                        .discriminant
                        .as_ref()
                        .map(|(_, value)| format!(" = {}", tokens(value)))
                        .unwrap_or_default();
                    let text = format!(
                        "{}pub {path}::{}{}{discriminant}",
                        context.with(&variant_attrs).prefix(&variant_attrs.marks),
                        variant.ident,
                        shape(&variant.fields)
                    );
                    self.line(access, Rank::Member, variant.ident.to_string(), text);
                }
                self.derived(access, &context, &own, &item.generics);
            }
            Item::Fn(item) => {
                let text = format!("{prefix}pub {}", signature(&path, &item.sig, &[]));
                self.line(access, Rank::Declaration, "", text);
            }
            Item::Const(item) => {
                let text = format!("{prefix}pub const {path}: {}", tokens(&item.ty));
                self.line(access, Rank::Declaration, "", text);
            }
            Item::Static(item) => {
                let mutability = if matches!(item.mutability, syn::StaticMutability::Mut(_)) {
                    "mut "
                } else {
                    ""
                };
                let text = format!(
                    "{prefix}pub static {mutability}{path}: {}",
                    tokens(&item.ty)
                );
                self.line(access, Rank::Declaration, "", text);
            }
            Item::Type(item) => {
                let text = format!(
                    "{prefix}pub type {path}{}{} = {}",
                    generic_params(&item.generics, true),
                    where_clause(&where_predicates(&item.generics)),
                    tokens(&item.ty)
                );
                self.line(access, Rank::Declaration, "", text);
            }
            Item::Trait(item) => {
                let qualifiers =
                    match (item.unsafety.is_some(), item.modifiers.auto_token.is_some()) {
                        (true, true) => "unsafe auto ",
                        (true, false) => "unsafe ",
                        (false, true) => "auto ",
                        (false, false) => "",
                    };
                let supertraits = if item.supertraits.is_empty() {
                    String::new()
                } else {
                    format!(": {}", tokens(&item.supertraits))
                };
                let text = format!(
                    "{prefix}pub {qualifiers}trait {path}{}{supertraits}{}",
                    generic_params(&item.generics, true),
                    where_clause(&where_predicates(&item.generics))
                );
                self.line(access, Rank::Declaration, "", text);
                self.trait_items(access, &context, item, module)?;
            }
            Item::TraitAlias(item) => {
                let text = format!(
                    "{prefix}pub trait {path}{} = {}{}",
                    generic_params(&item.generics, true),
                    tokens(&item.bounds),
                    where_clause(&where_predicates(&item.generics))
                );
                self.line(access, Rank::Declaration, "", text);
            }
            Item::ExternCrate(item) => {
                let text = format!("{prefix}pub use {path} = {}", item.ident);
                self.line(access, Rank::Declaration, "", text);
            }
            _ => {}
        }
        self.impls(def, access, &context)
    }

    fn fields<'f>(
        &mut self,
        owner: &Access,
        context: &Context,
        fields: impl Iterator<Item = &'f syn::Field>,
        module: ModuleId,
    ) -> Result<(), Diagnostic> {
        let file = &self.krate.modules[module].file;
        for (position, field) in fields.enumerate() {
            if !is_pub(&field.vis) {
                continue;
            }
            let own = attrs(&field.attrs, file)?;
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| position.to_string(), ToString::to_string);
            let text = format!(
                "{}pub {}::{name}: {}",
                context.with(&own).prefix(&own.marks),
                owner.joined(),
                tokens(&field.ty)
            );
            self.line(owner, Rank::Member, name, text);
        }
        Ok(())
    }

    /// The impls `#[derive(...)]` creates, named as the derive names them.
    fn derived(
        &mut self,
        owner: &Access,
        context: &Context,
        own: &Attrs,
        generics: &syn::Generics,
    ) {
        for derive in &own.derives {
            let name = &derive.name;
            let bound = derive.bounds_parameters.then_some(name.as_str());
            let text = format!(
                "{}impl{} {name} for {}{}{}",
                context.and(derive.cfg.as_slice()).prefix(&[]),
                params_with(generics, false, bound),
                owner.joined(),
                generic_args(generics),
                where_clause(&where_predicates(generics))
            );
            self.line(owner, Rank::Impl, name.as_str(), text);
        }
    }

    fn trait_items(
        &mut self,
        owner: &Access,
        context: &Context,
        item: &syn::ItemTrait,
        module: ModuleId,
    ) -> Result<(), Diagnostic> {
        let path = owner.joined();
        let mut members = Vec::new();
        for member in &item.items {
            members.push(match member {
                TraitItem::Fn(function) => {
                    let provided = if function.default.is_some() {
                        " { ... }"
                    } else {
                        ""
                    };
                    let name = function.sig.ident.to_string();
                    let text = signature(&format!("{path}::{name}"), &function.sig, &[]);
                    (&function.attrs, name, format!("pub {text}{provided}"))
                }
                TraitItem::Const(constant) => {
                    let provided = if constant.default.is_some() {
                        " = ..."
                    } else {
                        ""
                    };
                    let name = constant.ident.to_string();
                    let text = format!(
                        "pub const {path}::{name}: {}{provided}",
                        tokens(&constant.ty)
                    );
                    (&constant.attrs, name, text)
                }
                TraitItem::Type(ty) => {
                    let name = ty.ident.to_string();
                    let bounds = if ty.bounds.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", tokens(&ty.bounds))
                    };
                    let provided = if ty.default.is_some() { " = ..." } else { "" };
                    let text = format!(
                        "pub type {path}::{name}{}{bounds}{}{provided}",
                        generic_params(&ty.generics, true),
                        where_clause(&where_predicates(&ty.generics))
                    );
                    (&ty.attrs, name, text)
                }
                _ => continue,
            });
        }
        self.associated(owner, context, module, members)
    }

    /// The lines of trait items or impl members, each `(attributes, name, text)`: the
    /// member's own `cfg` narrows `context` and its marks go before it.
    fn associated(
        &mut self,
        owner: &Access,
        context: &Context,
        module: ModuleId,
        members: Vec<(&Vec<syn::Attribute>, String, String)>,
    ) -> Result<(), Diagnostic> {
        let file = &self.krate.modules[module].file;
        for (member_attrs, name, text) in members {
            let own = attrs(member_attrs, file)?;
            let text = format!("{}{text}", context.with(&own).prefix(&own.marks));
            self.line(owner, Rank::Associated, name, text);
        }
        Ok(())
    }

    /// The impl blocks filed under `def`, reached by `access` with `context`.
    fn impls(&mut self, def: Def, access: &Access, context: &Context) -> Result<(), Diagnostic> {
        let krate = self.krate;
        let for_type = self.by_type.get(&def).cloned().unwrap_or_default();
        let for_trait = self.by_trait.get(&def).cloned().unwrap_or_default();
        for (module, index) in for_type.into_iter().chain(for_trait.iter().copied()) {
            let Some(Item::Impl(block)) = krate.item(module, index) else {
                continue;
            };
            let file = &krate.modules[module].file;
            let own = attrs(&block.attrs, file)?;
            let inner = context.and(&declared_in(krate, module)?).with(&own);
            let by_trait = for_trait.contains(&(module, index));
            let self_type = if by_trait {
                tokens(&block.self_ty)
            } else {
                public_self_type(&block.self_ty, &access.joined())
            };
            match &block.trait_ {
                None => self.inherent(access, &inner, block, &self_type, module)?,
                Some((path, _)) => {
                    let trait_name = if by_trait {
                        Some(renamed(path, &access.joined()))
                    } else {
                        self.trait_name(module, path)
                    };
                    let Some(trait_name) = trait_name else {
                        continue;
                    };
                    let text = format!(
                        "{}{}impl{} {}{trait_name} for {self_type}{}",
                        inner.prefix(&own.marks),
                        if block.unsafety.is_some() {
                            "unsafe "
                        } else {
                            ""
                        },
                        generic_params(&block.generics, false),
                        if block.modifiers.polarity.is_some() {
                            "!"
                        } else {
                            ""
                        },
                        where_clause(&where_predicates(&block.generics))
                    );
                    let name = if by_trait { self_type } else { trait_name };
                    // The associated types and consts a trait impl chooses are API too (an
                    // `IntoFuture` that is no longer `Send`); its methods' signatures are the
                    // trait's. One line each, after the impl's own.
                    for item in &block.items {
                        let (item_name, member) = match item {
                            syn::ImplItem::Type(ty) => (
                                ty.ident.to_string(),
                                format!(
                                    "type {}{} = {}",
                                    ty.ident,
                                    generic_params(&ty.generics, true),
                                    tokens(&ty.ty)
                                ),
                            ),
                            syn::ImplItem::Const(constant) => (
                                constant.ident.to_string(),
                                format!("const {}: {}", constant.ident, tokens(&constant.ty)),
                            ),
                            _ => continue,
                        };
                        self.line(
                            access,
                            Rank::Impl,
                            format!("{name}::{item_name}"),
                            format!("{text} {{ {member}; }}"),
                        );
                    }
                    self.line(access, Rank::Impl, name, text);
                }
            }
        }
        Ok(())
    }

    /// The pub members of an inherent impl, each named through the public self type.
    fn inherent(
        &mut self,
        owner: &Access,
        context: &Context,
        block: &ItemImpl,
        self_type: &str,
        module: ModuleId,
    ) -> Result<(), Diagnostic> {
        let requirements = bounds_as_predicates(&block.generics);
        let mut members = Vec::new();
        for member in &block.items {
            members.push(match member {
                ImplItem::Fn(function) if is_pub(&function.vis) => {
                    let name = function.sig.ident.to_string();
                    let text = signature(
                        &format!("{self_type}::{name}"),
                        &function.sig,
                        &requirements,
                    );
                    (&function.attrs, name, format!("pub {text}"))
                }
                ImplItem::Const(constant) if is_pub(&constant.vis) => {
                    let name = constant.ident.to_string();
                    let text = format!("pub const {self_type}::{name}: {}", tokens(&constant.ty));
                    (&constant.attrs, name, text)
                }
                ImplItem::Type(ty) if is_pub(&ty.vis) => {
                    let name = ty.ident.to_string();
                    let text = format!("pub type {self_type}::{name} = {}", tokens(&ty.ty));
                    (&ty.attrs, name, text)
                }
                _ => continue,
            });
        }
        self.associated(owner, context, module, members)
    }
}

/// A type's generic parameters as declared and its where clause.
fn declaration(generics: &syn::Generics) -> (String, String) {
    (
        generic_params(generics, true),
        where_clause(&where_predicates(generics)),
    )
}

/// A variant's fields after its name: ` { a: A }`, `(A, B)` or nothing.
fn shape(fields: &Fields) -> String {
    match fields {
        Fields::Named(fields) => {
            let fields: Vec<String> = fields
                .named
                .iter()
                .map(|field| {
                    let name = field.ident.as_ref().map(ToString::to_string);
                    format!("{}: {}", name.unwrap_or_default(), tokens(&field.ty))
                })
                .collect();
            format!(" {{ {} }}", fields.join(", "))
        }
        Fields::Unnamed(fields) => {
            let fields: Vec<String> = fields
                .unnamed
                .iter()
                .map(|field| tokens(&field.ty))
                .collect();
            format!("({})", fields.join(", "))
        }
        Fields::Unit => String::new(),
    }
}

fn item_attrs(item: &Item) -> &[syn::Attribute] {
    match item {
        Item::Const(item) => &item.attrs,
        Item::Enum(item) => &item.attrs,
        Item::ExternCrate(item) => &item.attrs,
        Item::Fn(item) => &item.attrs,
        Item::Static(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        Item::Trait(item) => &item.attrs,
        Item::TraitAlias(item) => &item.attrs,
        Item::Type(item) => &item.attrs,
        Item::Union(item) => &item.attrs,
        _ => &[],
    }
}
