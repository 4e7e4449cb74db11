from advanced_alchemy.extensions.litestar.providers import create_service_provider

from conduit.config import alchemy_config
from conduit.tags.services import TagService

provide_tags_service = create_service_provider(TagService, config=alchemy_config)
