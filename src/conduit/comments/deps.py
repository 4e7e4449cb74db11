from advanced_alchemy.extensions.litestar.providers import create_service_provider

from conduit.comments.services import CommentService
from conduit.config import alchemy_config

provide_comments_service = create_service_provider(CommentService, config=alchemy_config)
