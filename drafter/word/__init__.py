"""Word: the 公文 master and its styles, figure content controls, the manifest, writing drafts."""
