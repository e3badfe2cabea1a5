pub mod atlas_like;
